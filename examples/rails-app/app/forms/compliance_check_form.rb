# frozen_string_literal: true

# POST /compliance/checks: order_ref, items, destination {country (ISO-2), region}, optional
# coupon_code, namespace (a label for the business unit) and customer_id (tier discount).
class ComplianceCheckForm < RequestForm
  PERMITTED = [:order_ref, :coupon_code, :namespace, :customer_id,
               { items: %i[sku quantity], destination: %i[country region] }].freeze
  NAMESPACE = /\A[A-Za-z0-9_]{1,29}\z/
  COUNTRY = /\A[A-Z]{2}\z/

  attr_reader :order_ref, :items, :destination, :coupon_code, :namespace, :customer_id

  validate :check_body

  private

  def check_body
    @order_ref = string_at(:order_ref, raw(:order_ref), max: 100, message: "order_ref is required")
    @items = order_lines(:items, duplicates: false)
    check_destination
    @coupon_code = string_at(:coupon_code, raw(:coupon_code), required: false, max: 32, upcase: true)
    @customer_id = string_at(:customer_id, raw(:customer_id), required: false, max: 64)
    @namespace = string_at(:namespace, raw(:namespace),
                           required: false, pattern: NAMESPACE,
                           message: "namespace must be 1-29 characters of letters, digits and _")
  end

  def check_destination
    destination = object_at(:destination, raw(:destination))
    return unless destination

    country = string_at("destination.country", destination[:country],
                        pattern: COUNTRY, upcase: true,
                        message: "country must be an ISO 3166-1 alpha-2 code such as US or DE")
    region = string_at("destination.region", destination[:region], required: false, max: 64)
    @destination = { "country" => country, "region" => region }.compact
  end
end
