# frozen_string_literal: true

module Ecommerce
  module Handlers
    # Step 3: take the sold quantities out of stock, once per order, never below zero. The
    # stock_movements row (unique per order and sku) is written in the same transaction as the
    # decrement, so a retry or a duplicate delivery finds it and does nothing.
    class UpdateInventory < ApplicationStepHandler
      handles "ecommerce_rb.update_inventory"

      REASON = "sale"

      class OutOfStock < StandardError
        attr_reader :sku

        def initialize(sku)
          @sku = sku
          super(%(insufficient stock for "#{sku}" when reserving it))
        end
      end

      def call(ctx)
        order_id = input(ctx, :order_id)["order_id"]
        lines = dependency(ctx, "validate_inventory", :lines)["lines"]
        begin
          ActiveRecord::Base.transaction { lines.each { |line| take(order_id, line) } }
        rescue OutOfStock => e
          # Stock ran out between validation and now: give the money back before failing.
          Payment.where(order_id: order_id).update_all(status: "refunded", updated_at: Time.current)
          raise permanent("#{e.message}; the payment was refunded", code: "insufficient_stock",
                                                                    metadata: { "sku" => e.sku })
        end
        remaining = Product.where(sku: lines.map { |l| l["sku"] }).pluck(:sku, :stock).to_h
        { "order_id" => order_id,
          "movements" => lines.map do |l|
                           { "sku" => l["sku"], "quantity" => -l["quantity"], "remaining_stock" => remaining[l["sku"]] }
                         end }
      end

      private

      def take(order_id, line)
        claimed = StockMovement.insert_all(
          [{ order_id: order_id, sku: line["sku"], quantity_delta: -line["quantity"], reason: REASON }],
          unique_by: "stock_movements_order_sku_reason", returning: %w[id]
        )
        return if claimed.rows.empty? # this line was already applied

        taken = Product.where(sku: line["sku"]).where("stock >= ?", line["quantity"])
                       .update_all(["stock = stock - ?, updated_at = now()", line["quantity"]])
        raise OutOfStock, line["sku"] if taken.zero?
      end
    end
  end
end
