# frozen_string_literal: true

# POST /orders and /orders/async: customer_email, items (1..100 of {sku, quantity}),
# payment_info {method: "card", token}. Prices come from the catalog; a client-sent total is refused.
class OrderForm < RequestForm
  PERMITTED = [:customer_email, { items: %i[sku quantity], payment_info: %i[method token] }].freeze

  attr_reader :customer_email, :items, :payment_info

  validate :check_body

  private

  def check_body
    @customer_email = string_at(:customer_email, raw(:customer_email),
                                max: 320, pattern: EMAIL, message: "customer_email must be an email address")
    @items = order_lines
    payment = object_at(:payment_info, raw(:payment_info))
    return unless payment

    method = payment[:method]
    issue("payment_info.method", 'method must be "card"') unless method == "card"
    token = string_at("payment_info.token", payment[:token], max: 255, message: "token is required, e.g. tok_visa")
    @payment_info = { "method" => "card", "token" => token }
  end
end
