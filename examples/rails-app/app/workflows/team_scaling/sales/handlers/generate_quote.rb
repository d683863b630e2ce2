# frozen_string_literal: true

module TeamScaling
  module Sales
    module Handlers
      # generate_quote: one quote per sales task (unique task_uuid), numbered from the check id.
      class GenerateQuote < ApplicationStepHandler
        handles "sales_rb.generate_quote"

        def call(ctx)
          order = dependency(ctx, "receive_order", :check_id, :order_ref, :destination)
          # A retry after the insert committed keeps the first quote (and its expiry).
          Quote.insert_all([quote_row(ctx, order)], unique_by: :task_uuid)
          quote = Quote.find_by!(task_uuid: ctx.task_uuid)
          summary = { "quote_id" => quote.id, "quote_number" => quote.quote_number, "currency" => quote.currency,
                      "subtotal" => quote.subtotal.to_f, "discount" => quote.discount.to_f,
                      "shipping" => quote.shipping.to_f, "total" => quote.total.to_f,
                      "expires_at" => Numbers.iso(quote.expires_at) }
          ComplianceCheck.merge_result(order["check_id"], "quote", summary)
          summary
        end

        private

        def quote_row(ctx, order)
          shipping = dependency(ctx, "calculate_shipping", :shipping_cost)
          discounts = dependency(ctx, "apply_discounts", :subtotal, :discount_total, :discounted_subtotal, :discounts)
          days = ctx.initialization["validity_days"]
          days = Pricing::DEFAULT_QUOTE_VALIDITY_DAYS unless days.is_a?(Integer)
          issued_at = Time.current
          {
            quote_number: Pricing.quote_number(order["check_id"]), compliance_check_id: order["check_id"],
            order_ref: order["order_ref"], task_uuid: ctx.task_uuid,
            lines: dependency(ctx, "validate_items", :lines)["lines"],
            subtotal: discounts["subtotal"], discount: discounts["discount_total"], shipping: shipping["shipping_cost"],
            total: Pricing.quote_total(discounts["discounted_subtotal"], shipping["shipping_cost"]),
            details: { "discounts" => discounts["discounts"], "shipping" => shipping,
                       "destination" => order["destination"] },
            expires_at: issued_at + days.days, created_at: issued_at
          }
        end
      end
    end
  end
end
