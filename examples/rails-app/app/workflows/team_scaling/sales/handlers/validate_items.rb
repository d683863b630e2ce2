# frozen_string_literal: true

module TeamScaling
  module Sales
    module Handlers
      # validate_items: price every line from the catalog; an unknown sku ends the quote.
      class ValidateItems < ApplicationStepHandler
        handles "sales_rb.validate_items"

        def call(ctx)
          order = dependency(ctx, "receive_order", :lines, :total_units)
          catalog = Product.where(sku: order["lines"].map { |l| l["sku"] }).index_by(&:sku)
          unknown = order["lines"].map { |l| l["sku"] }.reject { |sku| catalog.key?(sku) }
          if unknown.any?
            raise permanent("unknown sku#{if unknown.size > 1
                                            's'
                                          end} #{unknown.join(', ')}: not in the catalog (see GET /products)",
                            code: "unknown_sku", metadata: { "skus" => unknown })
          end

          lines = order["lines"].map { |line| priced(line, catalog.fetch(line["sku"])) }
          { "lines" => lines, "subtotal" => Numbers.from_cents(lines.sum { |l| Numbers.to_cents(l["line_total"]) }),
            "total_units" => order["total_units"], "all_in_stock" => lines.all? { |l| l["in_stock"] } }
        end

        private

        def priced(line, product)
          { "sku" => line["sku"], "name" => product.name, "quantity" => line["quantity"],
            "unit_price" => product.price.to_f,
            "line_total" => Numbers.from_cents(Numbers.to_cents(product.price) * line["quantity"]),
            "weight_kg" => product.weight_kg.to_f,
            # A quote does not reserve stock; it says whether the order could ship today.
            "in_stock" => product.stock >= line["quantity"] }
        end
      end
    end
  end
end
