# frozen_string_literal: true

module Ecommerce
  # The documents an order produces: its invoice number and its confirmation email.
  module Documents
    module_function

    # INV-000042 for order 42 (one invoice per order, so the number is the order's).
    def invoice_number(order_id)
      "INV-#{order_id.to_s.rjust(6, '0')}"
    end

    def confirmation_email(order_id:, priced:, payment_id:)
      money = ->(n) { format("%.2f", n) }
      lines = priced["lines"].map do |l|
        "  #{l['quantity']} x #{l['name']} (#{l['sku']}) @ #{money.call(l['unit_price'])} = " \
          "#{money.call(l['line_total'])}"
      end
      shipping = priced["shipping"].zero? ? "free" : money.call(priced["shipping"])
      {
        subject: "Order ##{order_id} confirmed",
        body: ["Thank you for your order ##{order_id}.", "", *lines, "",
               "Subtotal: #{money.call(priced['subtotal'])} #{priced['currency']}",
               "Tax (8.75%): #{money.call(priced['tax'])}",
               "Shipping: #{shipping}",
               "Total charged: #{money.call(priced['total'])} #{priced['currency']} (payment #{payment_id})"].join("\n")
      }
    end
  end
end
