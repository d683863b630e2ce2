# frozen_string_literal: true

module TeamScaling
  module Sales
    module Handlers
      # apply_discounts: volume, coupon (coupons table) and customer tier (customers table).
      class ApplyDiscounts < ApplicationStepHandler
        handles "sales_rb.apply_discounts"

        def call(ctx)
          order = dependency(ctx, "receive_order", :coupon_code, :customer_id)
          items = dependency(ctx, "validate_items", :subtotal, :total_units)
          coupon = coupon_for(order["coupon_code"])
          tier = tier_for(order["customer_id"])
          Pricing.discounts(subtotal_cents: Numbers.to_cents(items["subtotal"]), total_units: items["total_units"],
                            coupon: coupon, customer_tier: tier)
                 .merge("coupon_code" => coupon&.fetch(:code), "customer_tier" => tier)
        end

        private

        def coupon_for(code)
          return nil unless code

          row = Coupon.find_by(code: code)
          unless row&.active
            raise permanent("coupon #{code} is unknown or no longer active", code: "invalid_coupon",
                                                                             metadata: { "coupon_code" => code })
          end
          { code: row.code, percent: Numbers.plain(row.percent_off) }
        end

        def tier_for(customer_id)
          return nil unless customer_id

          customer = Customer.find_by(id: customer_id) or
            raise permanent("customer #{customer_id} does not exist", code: "unknown_customer",
                                                                      metadata: { "customer_id" => customer_id })
          customer.tier
        end
      end
    end
  end
end
