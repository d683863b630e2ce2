# frozen_string_literal: true

module Ecommerce
  module Handlers
    # Step 2: charge the order's total once. The payments row is unique per order, so a retried or
    # duplicated step returns the first charge instead of charging again.
    class ProcessPayment < ApplicationStepHandler
      handles "ecommerce_rb.process_payment"

      def call(ctx)
        order = input(ctx, :order_id, :payment_info)
        existing = Payment.find_by(order_id: order["order_id"])
        if existing
          ctx.logger.info("order #{order['order_id']} already charged (#{existing.payment_id})")
          return result(existing, ctx.attempt)
        end

        result(charge(order, dependency(ctx, "validate_inventory", :total)["total"], ctx.attempt), ctx.attempt)
      end

      private

      def charge(order, amount, attempt)
        decision = PaymentGateway.decide(token: order["payment_info"]["token"], amount: amount, attempt: attempt)
        case decision.outcome
        when :declined then raise permanent(decision.message, code: decision.code, metadata: { "amount" => amount })
        when :unavailable then raise retryable(decision.message, code: decision.code, retry_after: 0.2)
        end

        Payment.insert_all([{ payment_id: "pay_#{SecureRandom.hex(12)}", order_id: order["order_id"], amount: amount,
                              currency: "USD", status: "captured", payment_method: order["payment_info"]["method"] }],
                           unique_by: :order_id)
        Payment.find_by(order_id: order["order_id"]) or
          raise retryable("payment for order #{order['order_id']} not found after insert", code: "payment_missing")
      end

      def result(payment, attempt)
        { "payment_id" => payment.payment_id, "amount_charged" => payment.amount.to_f, "currency" => payment.currency,
          "status" => payment.status, "charged_at" => Numbers.iso(payment.created_at), "gateway_attempt" => attempt }
      end
    end
  end
end
