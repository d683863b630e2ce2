# frozen_string_literal: true

module DataPipeline
  # The dataset a job analyses when it names no dataset_url: ~1,000 sales rows generated
  # deterministically from the job id (same id, same rows; the same rows as the other apps), with
  # a few outliers and a few broken rows so the anomaly and validation steps have something to find.
  module DatasetGenerator
    REGIONS = %w[north south east west].freeze
    PRODUCTS = [["WIDGET-001", 29.99], ["GADGET-002", 49.99], ["GIZMO-003", 129.0], ["SCARCE-004", 15.0]].freeze
    DEFAULT_ROW_COUNT = 1000
    START_DATE = Date.new(2024, 1, 1)
    MASK = 0xffff_ffff

    module_function

    # mulberry32: a tiny, well-distributed 32-bit PRNG; returns floats in [0, 1).
    def seeded_random(seed)
      state = seed & MASK
      lambda do
        state = (state + 0x6d2b79f5) & MASK
        t = state
        t = imul(t ^ (t >> 15), t | 1)
        t ^= (t + imul(t ^ (t >> 7), t | 61)) & MASK
        ((t ^ (t >> 14)) & MASK) / 4_294_967_296.0
      end
    end

    # FNV-1a hash of a string, as the PRNG seed.
    def seed_from(text)
      text.each_char.reduce(0x811c9dc5) { |hash, char| imul(hash ^ char.ord, 0x01000193) }
    end

    def imul(left, right)
      ((left & MASK) * (right & MASK)) & MASK
    end

    def generate(job_id, row_count = DEFAULT_ROW_COUNT)
      random = seeded_random(seed_from("analytics-job-#{job_id}"))
      pick = ->(list) { list[(random.call * list.length).floor] }
      Array.new(row_count) do
        sku, price = pick.call(PRODUCTS)
        quantity = 1 + (random.call * 20).floor
        # Price varies +-10% around list (discounts, surcharges).
        amount = Numbers.round_to(quantity * price * (0.9 + (random.call * 0.2)), 2)
        roll = random.call
        # About 0.5% bulk deals far above the usual amounts: the anomalies.
        amount = Numbers.round_to(amount * 25, 2) if roll < 0.005
        row = { "date" => (START_DATE + (random.call * 90).floor).iso8601, "region" => pick.call(REGIONS),
                "product" => sku, "quantity" => quantity, "amount" => amount }
        # About 1% of rows arrive broken, as real exports do.
        (random.call < 0.5 ? row["region"] = "" : row["quantity"] = "n/a") if roll > 0.99
        row
      end
    end
  end
end
