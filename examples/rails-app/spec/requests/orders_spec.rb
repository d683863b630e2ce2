# frozen_string_literal: true

# Workflow 1 end to end through HTTP: POST /orders -> the task runs on the orchestration server,
# its steps in this app's Ruby worker -> the order, stock, payment, invoice and outbox change.
# Orders here go to addresses of no seeded customer, so the seeded order history the
# microservices specs read stays as it is (one database for the whole suite).
RSpec.describe "E-commerce order processing (ecommerce_rb)" do
  steps = %w[validate_inventory process_payment update_inventory send_confirmation generate_invoice]

  def order_body(**overrides)
    { customer_email: "hedy@example.com",
      items: [{ sku: "WIDGET-001", quantity: 2 }, { sku: "GIZMO-003", quantity: 1 }],
      payment_info: { method: "card", token: "tok_visa" } }.merge(overrides)
  end

  def stock_of(sku)
    Product.find(sku).stock
  end

  it "runs all five steps, charges once, moves stock, confirms and invoices" do
    widgets = stock_of("WIDGET-001")
    gizmos = stock_of("GIZMO-003")
    status, created = post_json("/orders", order_body)
    expect(status).to eq(201)
    expect(created).to include("customer_email" => "hedy@example.com", "status" => "processing", "subtotal" => 188.98,
                               "tax" => 16.54, "shipping" => 0.0, "total" => 205.52)
    expect(created["task_uuid"]).to match(/\A\h{8}-\h{4}-\h{4}-\h{4}-\h{12}\z/)
    id = created["id"]

    task = wait_for_task_completion(created["task_uuid"])
    expect(task).to include("status" => "complete", "completion_percentage" => 100, "namespace" => "ecommerce_rb")
    expect(get_task_steps(task["task_uuid"]).map { |s| [s["name"], s["current_state"]] }.sort)
      .to eq(steps.map { |s| [s, "complete"] }.sort)

    expect(get_step(task["task_uuid"], "validate_inventory")["results"])
      .to include("subtotal" => 188.98, "tax" => 16.54, "shipping" => 0, "total" => 205.52, "currency" => "USD")
    payment = get_step(task["task_uuid"], "process_payment")
    expect(payment["results"]).to include("amount_charged" => 205.52, "currency" => "USD")
    expect(payment["results"]["payment_id"]).to start_with("pay_")
    expect(payment["attempts"]).to eq(1)
    expect(get_step(task["task_uuid"], "send_confirmation")["results"])
      .to include("recipient" => "hedy@example.com", "subject" => "Order ##{id} confirmed")
    expect(get_step(task["task_uuid"], "generate_invoice")["results"])
      .to include("invoice_number" => format("INV-%06d", id), "total" => 205.52)

    # The row follows the task, and GET shows the task summary.
    row = wait_for_row_status("/orders/#{id}", ["completed"])
    expect(row["error"]).to be_nil
    expect(row["task"]).to include("status" => "complete", "completion_percentage" => 100, "completed_steps" => 5,
                                   "total_steps" => 5)
    expect(row["task"]["steps"].map { |s| [s["name"], s["state"], s["attempts"]] }.sort)
      .to eq(steps.map { |s| [s, "complete", 1] }.sort)

    # Domain effects, each exactly once.
    expect(stock_of("WIDGET-001")).to eq(widgets - 2)
    expect(stock_of("GIZMO-003")).to eq(gizmos - 1)
    expect(Payment.where(order_id: id).pluck(:amount, :status)).to eq([[BigDecimal("205.52"), "captured"]])
    expect(StockMovement.where(order_id: id).count).to eq(2)
    expect(Invoice.where(order_id: id).pluck(:invoice_number,
                                             :total)).to eq([[format("INV-%06d", id), BigDecimal("205.52")]])
    mail = eventually(what: "the confirmation to be sent") do
      EmailMessage.find_by(dedupe_key: "order:#{id}:confirmation", status: "sent")
    end
    expect(mail.recipients).to eq(["hedy@example.com"])
    expect(mail.body).to include("1 x Gizmo (GIZMO-003) @ 129.00 = 129.00", "Total charged: 205.52 USD")
  end

  it "ends a declined card in error with the order failed, and charges nothing" do
    status, created = post_json("/orders", order_body(payment_info: { method: "card", token: "tok_declined" }))
    expect(status).to eq(201)
    task = wait_for_task_completion(created["task_uuid"])
    expect(task["status"]).to eq("error")
    payment = get_step(task["task_uuid"], "process_payment")
    expect(payment).to include("current_state" => "error", "attempts" => 1)
    expect(payment["error"]).to include("code" => "card_declined", "retryable" => false)
    expect(get_step(task["task_uuid"], "update_inventory")["current_state"]).to eq("pending")

    row = wait_for_row_status("/orders/#{created['id']}", ["failed"])
    expect(row["error"]).to include("card_declined")
    expect(row["task"]["status"]).to eq("error")
    expect(Payment.where(order_id: created["id"])).to be_empty
  end

  it "retries a flaky gateway once: process_payment completes on attempt 2" do
    _, created = post_json("/orders", order_body(payment_info: { method: "card", token: "tok_flaky" }))
    task = wait_for_task_completion(created["task_uuid"])
    expect(task["status"]).to eq("complete")
    payment = get_step(task["task_uuid"], "process_payment")
    expect(payment).to include("current_state" => "complete", "attempts" => 2)
    expect(payment["results"]["gateway_attempt"]).to eq(2)
    expect(Payment.where(order_id: created["id"]).count).to eq(1)
    wait_for_row_status("/orders/#{created['id']}", ["completed"])
  end

  it "refuses charges over 10,000 and orders for unknown skus or short stock, naming the cause" do
    _, big = post_json("/orders", order_body(items: [{ sku: "GIZMO-003", quantity: 80 }]))
    _, unknown = post_json("/orders", order_body(items: [{ sku: "NOPE-999", quantity: 1 }]))
    _, scarce = post_json("/orders", order_body(items: [{ sku: "SCARCE-004", quantity: 4 }]))
    expect(unknown["total"]).to be_nil

    big_task = wait_for_task_completion(big["task_uuid"])
    expect(big_task["status"]).to eq("error")
    expect(get_step(big_task["task_uuid"], "process_payment")["error"]).to include("code" => "amount_limit_exceeded")

    [[unknown, "unknown_sku", "NOPE-999"], [scarce, "insufficient_stock", "SCARCE-004"]].each do |created, code, sku|
      task = wait_for_task_completion(created["task_uuid"])
      expect(task["status"]).to eq("error")
      step = get_step(task["task_uuid"], "validate_inventory")
      expect(step["error"]).to include("code" => code)
      expect(step["error"]["message"]).to include(sku)
      expect(wait_for_row_status("/orders/#{created['id']}", ["failed"])["error"]).to include(sku)
    end
    expect(stock_of("SCARCE-004")).to eq(3)
  end

  it "accepts an order asynchronously: 202 queued, then an ActiveJob starts the normal path" do
    status, accepted = post_json("/orders/async", order_body(customer_email: "katherine@example.com"))
    expect(status).to eq(202)
    expect(accepted).to eq("id" => accepted["id"], "status" => "queued")
    expect(accepted["id"]).to be_a(Integer)
    row = wait_for_row_status("/orders/#{accepted['id']}", %w[completed failed])
    expect(row["status"]).to eq("completed")
    task = wait_for_task_completion(row["task_uuid"])
    expect(task["status"]).to eq("complete")
    expect(task["context"]).to include("order_id" => accepted["id"], "customer_email" => "katherine@example.com")
  end

  it "answers 400 for bad bodies and malformed ids, 404 for unknown orders" do
    status, bad = post_json("/orders", { customer_email: "not-an-email", items: [{ sku: "WIDGET-001", quantity: 0 }],
                                         payment_info: { method: "cash", token: "" } })
    expect(status).to eq(400)
    expect(bad["error"]).to eq("invalid request body")
    expect(bad["issues"].map { |i| i["path"] }.sort)
      .to eq(%w[customer_email items.0.quantity payment_info.method payment_info.token])

    status, priced = post_json("/orders", order_body.merge(total: 1))
    expect(status).to eq(400)
    expect(priced["issues"].to_json).to include("total")

    status, twice = post_json("/orders/async", order_body(items: [{ sku: "WIDGET-001", quantity: 1 },
                                                                  { sku: "WIDGET-001", quantity: 2 }]))
    expect(status).to eq(400)
    expect(twice["issues"].first["path"]).to eq("items.1.sku")

    status, not_json = post_json("/orders", "{not json")
    expect(status).to eq(400)
    expect(not_json["error"]).to match(/json/i)

    before = Order.count
    expect(post_json("/orders", [1, 2]).first).to eq(400)
    expect(Order.count).to eq(before)

    status, malformed = get_json("/orders/abc")
    expect(status).to eq(400)
    expect(malformed["error"]).to include("malformed order id")
    status, missing = get_json("/orders/999999")
    expect(status).to eq(404)
    expect(missing).to eq("error" => "order 999999 not found")
  end
end
