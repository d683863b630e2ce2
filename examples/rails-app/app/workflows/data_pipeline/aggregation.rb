# frozen_string_literal: true

module DataPipeline
  # Totals by region and by product from the valid rows (amounts summed in cents).
  module Aggregation
    module_function

    def aggregate(rows)
      all = totals_of(rows)
      {
        "totals" => all,
        "by_region" => rows.group_by { |r| r["region"] }.sort.to_h.transform_values { |group| totals_of(group) },
        "by_product" => rows.group_by { |r| r["product"] }.sort.to_h.transform_values { |group| totals_of(group) }
      }
    end

    def totals_of(rows)
      cents = rows.sum { |r| Numbers.round_half_up(r["amount"] * 100) }
      { "rows" => rows.size, "quantity" => rows.sum { |r| r["quantity"] }, "amount" => cents / 100.0 }
    end
  end
end
