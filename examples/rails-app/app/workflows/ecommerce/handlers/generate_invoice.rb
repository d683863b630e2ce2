# frozen_string_literal: true

module Ecommerce
  module Handlers
    # Step 5: the invoice, one per order (unique order_id), numbered from the order id.
    class GenerateInvoice < ApplicationStepHandler
      handles "ecommerce_rb.generate_invoice"

      def call(ctx)
        order = input(ctx, :order_id, :customer_email)
        priced = dependency(ctx, "validate_inventory", :lines, :subtotal, :tax, :shipping, :total)
        lines = priced["lines"].map { |l| l.slice("sku", "name", "quantity", "unit_price", "line_total") }
        # Both unique keys (order_id, and the number derived from it) name the same invoice: a
        # duplicate delivery racing this one may trip either, so any conflict means "exists".
        Invoice.insert_all([{ invoice_number: Documents.invoice_number(order["order_id"]), order_id: order["order_id"],
                              customer_email: order["customer_email"], lines: lines,
                              **priced.slice("subtotal", "tax", "shipping", "total").symbolize_keys }])
        invoice = Invoice.find_by(order_id: order["order_id"]) or
          raise retryable("invoice for order #{order['order_id']} not found after insert", code: "invoice_missing")
        { "invoice_id" => invoice.id, "invoice_number" => invoice.invoice_number, "order_id" => invoice.order_id,
          "total" => invoice.total.to_f, "currency" => "USD", "issued_at" => Numbers.iso(invoice.issued_at) }
      end
    end
  end
end
