# frozen_string_literal: true

require "net/http"

# Handlers are idempotent: a step retried or delivered twice must not charge twice, move stock
# twice or write two invoices, outbox messages, reports, quotes or audit entries. Each handler
# runs here twice with the same context, as a redelivered step would.
RSpec.describe "Idempotent handlers" do
  def run_step(handler_class, input: {}, deps: {}, attempt: 1, task_uuid: SecureRandom.uuid, initialization: {})
    context = TaskerSdk::StepContext.new(
      task_uuid: task_uuid, step_uuid: SecureRandom.uuid, step_name: handler_class.callable.split(".").last,
      attempt: attempt, max_attempts: 3, timeout_seconds: 30, deadline: Time.current + 30, input: input,
      dependency_results: deps, initialization: initialization
    )
    handler_class.new.call(context)
  end

  it "charges, moves stock, confirms and invoices an order once however often its steps run" do
    order = Order.create!(customer_email: "hedy@example.com", items: [{ "sku" => "GADGET-002", "quantity" => 3 }])
    input = { "order_id" => order.id, "customer_email" => order.customer_email, "items" => order.items,
              "payment_info" => { "method" => "card", "token" => "tok_visa" } }
    stock = Product.find("GADGET-002").stock
    priced = run_step(Ecommerce::Handlers::ValidateInventory, input: input)
    deps = { "validate_inventory" => priced }
    payments = Array.new(2) { run_step(Ecommerce::Handlers::ProcessPayment, input: input, deps: deps) }
    expect(payments.map { |p| p["payment_id"] }.uniq.size).to eq(1)
    deps["process_payment"] = payments.first
    2.times { run_step(Ecommerce::Handlers::UpdateInventory, input: input, deps: deps) }
    2.times { run_step(Ecommerce::Handlers::SendConfirmation, input: input, deps: deps) }
    invoices = Array.new(2) { run_step(Ecommerce::Handlers::GenerateInvoice, input: input, deps: deps) }

    expect(Payment.where(order_id: order.id).count).to eq(1)
    expect(Product.find("GADGET-002").stock).to eq(stock - 3)
    expect(StockMovement.where(order_id: order.id).count).to eq(1)
    expect(EmailMessage.where(dedupe_key: "order:#{order.id}:confirmation").count).to eq(1)
    expect(invoices.map { |i| i["invoice_number"] }.uniq).to eq([format("INV-%06d", order.id)])
    expect(Invoice.where(order_id: order.id).count).to eq(1)
  end

  it "refunds the charge and fails permanently when stock ran out after validation" do
    order = Order.create!(customer_email: "hedy@example.com", items: [{ "sku" => "SCARCE-004", "quantity" => 2 }])
    input = { "order_id" => order.id, "customer_email" => order.customer_email, "items" => order.items,
              "payment_info" => { "method" => "card", "token" => "tok_visa" } }
    deps = { "validate_inventory" => run_step(Ecommerce::Handlers::ValidateInventory, input: input) }
    run_step(Ecommerce::Handlers::ProcessPayment, input: input, deps: deps)
    Product.where(sku: "SCARCE-004").update_all(stock: 1)
    expect { run_step(Ecommerce::Handlers::UpdateInventory, input: input, deps: deps) }
      .to raise_error(TaskerSdk::PermanentError) { |e| expect(e.code).to eq("insufficient_stock") }
    expect(Payment.find_by(order_id: order.id).status).to eq("refunded")
    expect(StockMovement.where(order_id: order.id)).to be_empty
  ensure
    Product.where(sku: "SCARCE-004").update_all(stock: 3)
  end

  it "stores a job's dataset, report, notice and archive once" do
    job = AnalyticsJob.create!(source: "twice")
    input = { "job_id" => job.id, "source" => job.source, "dataset_url" => nil }
    2.times { run_step(DataPipeline::Handlers::IngestData, input: input) }
    fast = { "simulated_work_ms" => 0 }
    deps = { "ingest_data" => run_step(DataPipeline::Handlers::IngestData, input: input) }
    %w[ValidateSchema EnrichMetadata DetectAnomalies].each do |name|
      deps[name.underscore] =
        run_step("DataPipeline::Handlers::#{name}".constantize, input: input, initialization: fast)
    end
    deps["aggregate_results"] = run_step(DataPipeline::Handlers::AggregateResults, input: input, deps: deps)
    reports = Array.new(2) { run_step(DataPipeline::Handlers::GenerateReport, input: input, deps: deps) }
    deps["generate_report"] = reports.last
    2.times { run_step(DataPipeline::Handlers::NotifyStakeholders, input: input, deps: deps) }
    archives = Array.new(2) { run_step(DataPipeline::Handlers::ArchiveResults, input: input, deps: deps) }

    expect(AnalyticsDataset.where(job_id: job.id).count).to eq(1)
    expect(reports.map { |r| r["report_id"] }.uniq.size).to eq(1)
    expect(AnalyticsReport.where(job_id: job.id).count).to eq(1)
    expect(EmailMessage.where(dedupe_key: "analytics:#{job.id}:report").count).to eq(1)
    expect(archives.map { |a| a["archive_id"] }.uniq.size).to eq(1)
    expect(ReportArchiveEntry.where(job_id: job.id).count).to eq(1)
  end

  it "issues one quote per sales task and one audit entry per check" do
    check = ComplianceCheck.create!(order_ref: "ORD-IDEM", items: [{ "sku" => "WIDGET-001", "quantity" => 2 }],
                                    destination: { "country" => "DE" }, correlation_id: SecureRandom.uuid)
    input = TeamScaling::CheckTasks.context(check)
    sales_task = SecureRandom.uuid
    deps = { "receive_order" => run_step(TeamScaling::Sales::Handlers::ReceiveOrder, input: input) }
    deps["validate_items"] = run_step(TeamScaling::Sales::Handlers::ValidateItems, deps: deps)
    deps["calculate_shipping"] = run_step(TeamScaling::Sales::Handlers::CalculateShipping, deps: deps)
    deps["apply_discounts"] = run_step(TeamScaling::Sales::Handlers::ApplyDiscounts, deps: deps)
    quotes = Array.new(2) { run_step(TeamScaling::Sales::Handlers::GenerateQuote, deps: deps, task_uuid: sales_task) }
    expect(quotes.map { |q| [q["quote_id"], q["expires_at"]] }.uniq.size).to eq(1)
    expect(Quote.where(compliance_check_id: check.id).count).to eq(1)

    review = { "check_compliance" => run_step(TeamScaling::Compliance::Handlers::CheckCompliance, input: input) }
    review["verify_tax_rules"] = run_step(TeamScaling::Compliance::Handlers::VerifyTaxRules, input: input, deps: review)
    audits = Array.new(2) { run_step(TeamScaling::Compliance::Handlers::AuditLog, input: input, deps: review) }
    expect(audits.map { |a| a["audit_log_id"] }.uniq.size).to eq(1)
    review["audit_log"] = audits.first
    reports = Array.new(2) { run_step(TeamScaling::Compliance::Handlers::ComplianceReport, input: input, deps: review) }
    expect(reports.uniq.size).to eq(1)
    expect(check.reload.result.keys.sort).to eq(%w[compliance quote])
  end

  it "injects the flaky profile fault once per request, whoever asks" do
    uri = URI("#{TaskerHarness.app_url}/internal/users/cust-004-flaky")
    headers = { "x-request-id" => "idem-#{SecureRandom.hex(3)}" }
    statuses = Array.new(3) { Net::HTTP.start(uri.host, uri.port) { |http| http.get(uri.path, headers).code } }
    expect(statuses).to eq(%w[503 200 200])
    expect(Net::HTTP.get_response(URI("#{TaskerHarness.app_url}/internal/users/cust-001")).code).to eq("200")
  end
end
