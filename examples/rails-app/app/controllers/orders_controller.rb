# frozen_string_literal: true

# POST /orders, POST /orders/async, GET /orders/:id (workflow 1, ecommerce_rb/order_processing).
class OrdersController < ApplicationController
  include TaskBackedRows

  def create
    form = valid_form(OrderForm) or return
    order = insert_order(form, "pending")
    create_task_backed_row(order, Ecommerce.task_request(order, form.payment_info))
  end

  # Accepts now (202 {id, status: "queued"}); OrderIntakeJob creates the task in the background.
  def create_async
    form = valid_form(OrderForm) or return
    order = insert_order(form, "queued")
    begin
      OrderIntakeJob.perform_later(order.id, form.payment_info)
    rescue StandardError => e
      message = "could not queue the work: #{e.message}"
      order.update_columns(status: "failed", error: message)
      response.set_header("Retry-After", "5")
      return render json: { error: message, id: order.id, status: "failed" }, status: :service_unavailable
    end
    render json: { id: order.id, status: "queued" }, status: :accepted
  end

  def show
    show_task_backed_row(Order, "order")
  end

  private

  # The order priced from the catalog (left unpriced when a sku is unknown: the task's
  # validate_inventory step then fails it, naming the sku).
  def insert_order(form, status)
    catalog = Ecommerce::Pricing.catalog(form.items.map { |i| i["sku"] })
    priced = form.items.all? { |i| catalog.key?(i["sku"]) } ? Ecommerce::Pricing.price(form.items, catalog) : {}
    Order.create!(customer_email: form.customer_email, items: form.items, status: status,
                  **priced.slice("subtotal", "tax", "shipping", "total").symbolize_keys)
  end
end
