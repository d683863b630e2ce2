# frozen_string_literal: true

module Ecommerce
  module Handlers
    # Step 4: the confirmation email, written to the outbox and delivered by a background job.
    class SendConfirmation < ApplicationStepHandler
      handles "ecommerce_rb.send_confirmation"

      def call(ctx)
        order = input(ctx, :order_id, :customer_email)
        priced = dependency(ctx, "validate_inventory", :lines, :subtotal, :tax, :shipping, :total, :currency)
        payment = dependency(ctx, "process_payment", :payment_id)
        email = Documents.confirmation_email(order_id: order["order_id"], priced: priced,
                                             payment_id: payment["payment_id"])
        message = Outbox.enqueue(dedupe_key: "order:#{order['order_id']}:confirmation",
                                 recipients: [order["customer_email"]], subject: email[:subject], body: email[:body])
        { "message_id" => message.message_id, "recipient" => order["customer_email"], "subject" => message.subject,
          "status" => message.status }
      end
    end
  end
end
