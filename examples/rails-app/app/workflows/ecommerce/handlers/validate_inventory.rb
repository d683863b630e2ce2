# frozen_string_literal: true

module Ecommerce
  module Handlers
    # Step 1: every sku exists and has enough stock; price the order from the catalog.
    class ValidateInventory < ApplicationStepHandler
      handles "ecommerce_rb.validate_inventory"

      def call(ctx)
        order = input(ctx, :order_id, :items)
        catalog = Pricing.catalog(order["items"].map { |i| i["sku"] })
        problems = Pricing.problems(order["items"], catalog)
        if problems.any?
          raise permanent(problems.map { |p| Pricing.describe(p) }.join("; "), code: problems.first["kind"],
                                                                               metadata: { "problems" => problems })
        end

        priced = Pricing.price(order["items"], catalog)
        # The catalog price at validation is what the customer pays; record it on the order.
        Order.where(id: order["order_id"]).update_all(priced.slice("subtotal", "tax", "shipping", "total")
                                                            .merge("updated_at" => Time.current))
        priced.merge("validated_at" => Numbers.iso(Time.current))
      end
    end
  end
end
