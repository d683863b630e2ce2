# frozen_string_literal: true

# Workflow 1: e-commerce order processing (namespace ecommerce_rb, template order_processing 1.0.0)
# validate_inventory -> process_payment -> update_inventory -> send_confirmation -> generate_invoice
module Ecommerce
  NAMESPACE = "ecommerce_rb"
  NAMESPACES = [NAMESPACE].freeze
  TEMPLATE = { namespace: NAMESPACE, name: "order_processing", version: "1.0.0" }.freeze

  def self.handler_classes
    [Handlers::ValidateInventory, Handlers::ProcessPayment, Handlers::UpdateInventory,
     Handlers::SendConfirmation, Handlers::GenerateInvoice]
  end

  # The order_processing task for a stored order; payment details travel only in the task context.
  def self.task_request(order, payment_info)
    TEMPLATE.merge(
      context: { "order_id" => order.id, "customer_email" => order.customer_email, "items" => order.items,
                 "payment_info" => payment_info },
      initiator: order.customer_email, source_system: "rails-app", reason: "order ##{order.id} placed",
      tags: ["order", "order:#{order.id}"]
    )
  end
end
