# frozen_string_literal: true

module Ecommerce
  # Order pricing from catalog prices (the client never sets prices): subtotal + 8.75% tax +
  # shipping (free when the subtotal is at least 75.00, else 9.99), in integer cents.
  module Pricing
    TAX_RATE_BASIS_POINTS = 875
    FREE_SHIPPING_FROM_CENTS = 7_500
    SHIPPING_FEE_CENTS = 999
    CURRENCY = "USD"

    module_function

    # The catalog entries of `skus`, by sku.
    def catalog(skus)
      Product.where(sku: skus.uniq).index_by(&:sku)
    end

    # Skus the catalog does not have, and lines asking for more than is in stock.
    def problems(items, catalog)
      items.filter_map do |item|
        entry = catalog[item["sku"]]
        if entry.nil?
          { "kind" => "unknown_sku", "sku" => item["sku"] }
        elsif entry.stock < item["quantity"]
          { "kind" => "insufficient_stock", "sku" => item["sku"], "requested" => item["quantity"],
            "available" => entry.stock }
        end
      end
    end

    def describe(problem)
      if problem["kind"] == "unknown_sku"
        %(unknown sku "#{problem['sku']}"; GET /products lists the catalog)
      else
        %(insufficient stock for "#{problem['sku']}": ) +
          "#{problem['requested']} requested, #{problem['available']} available"
      end
    end

    # Prices the items; raises naming the sku when one is not in the catalog.
    def price(items, catalog)
      lines = items.map do |item|
        entry = catalog[item["sku"]] or raise ArgumentError, %(cannot price unknown sku "#{item['sku']}")
        unit_cents = Numbers.to_cents(entry.price)
        { "sku" => item["sku"], "name" => entry.name, "quantity" => item["quantity"],
          "unit_price" => Numbers.from_cents(unit_cents),
          "line_total" => Numbers.from_cents(unit_cents * item["quantity"]), "weight_kg" => entry.weight_kg.to_f }
      end
      subtotal = lines.sum { |line| Numbers.to_cents(line["line_total"]) }
      # Half-up rounding to the cent, as a till would.
      tax = ((subtotal * TAX_RATE_BASIS_POINTS) + 5_000) / 10_000
      shipping = subtotal >= FREE_SHIPPING_FROM_CENTS ? 0 : SHIPPING_FEE_CENTS
      {
        "lines" => lines, "item_count" => lines.sum { |line| line["quantity"] },
        "subtotal" => Numbers.from_cents(subtotal), "tax" => Numbers.from_cents(tax),
        "shipping" => Numbers.from_cents(shipping), "total" => Numbers.from_cents(subtotal + tax + shipping),
        "currency" => CURRENCY
      }
    end
  end
end
