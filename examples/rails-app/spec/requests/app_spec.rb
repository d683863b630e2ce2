# frozen_string_literal: true

require "net/http"

# The app's shared behaviour through HTTP: health, catalog, JSON errors, and what happens when the
# engine refuses a task or cannot be reached (the row failed + 502/503, never a silent 201).
RSpec.describe "The app" do
  order = { customer_email: "mallory@example.com", items: [{ sku: "WIDGET-001", quantity: 1 }],
            payment_info: { method: "card", token: "tok_visa" } }

  it "reports the health of the app database, the orchestration server and the worker" do
    status, health = get_json("/health")
    expect(status).to eq(200)
    expect(health).to include("status" => "ok", "app_database" => true, "jobs" => "async",
                              "engine" => include("reachable" => true))
    expect(health["worker"]).to include("running" => true,
                                        "namespaces" => %w[ecommerce_rb data_pipeline_rb microservices_rb sales_rb
                                                           compliance_rb])
    expect(health["workflows"].map { |w| w["name"] }).to eq(%w[ecommerce data-pipeline microservices team-scaling])
  end

  it "lists the seeded catalog, on a real listening port too" do
    status, body = get_json("/products")
    expect(status).to eq(200)
    expect(body["products"].map { |p| p["sku"] }).to eq(%w[GADGET-002 GIZMO-003 RESTRICTED-005 SCARCE-004 WIDGET-001])
    expect(body["products"].find { |p| p["sku"] == "WIDGET-001" })
      .to include("name" => "Widget", "price" => 29.99, "weight_kg" => 0.5, "restricted" => false)
    response = Net::HTTP.get_response(URI("#{TaskerHarness.app_url}/products"))
    expect(response.code).to eq("200")
    expect(response["content-type"]).to include("application/json")
  end

  it "answers unknown routes with JSON 404, and JSON 500 (not HTML) when something breaks" do
    delete "/products"
    expect(response.status).to eq(404)
    expect(json_body["error"]).to include("no route for DELETE /products")

    allow(Product).to receive(:order).and_raise(ActiveRecord::ConnectionNotEstablished, "database is away")
    status, body = get_json("/products")
    expect(status).to eq(500)
    expect(body).to eq("error" => "internal error; the server log has the details")

    allow(ActiveRecord::Base).to receive(:connection).and_raise(ActiveRecord::ConnectionNotEstablished,
                                                                "database is away")
    status, health = get_json("/health")
    expect(status).to eq(503)
    expect(health).to include("status" => "degraded", "app_database" => false)
  end

  context "when the orchestration server cannot be reached" do
    around do |example|
      settings = Orchestration.settings
      url = settings.url
      Orchestration.configure(url: "http://127.0.0.1:#{TaskerSdk::Testing.free_port}", api_key: settings.api_key,
                              worker_api_key: settings.worker_api_key)
      example.run
    ensure
      Orchestration.configure(url: url, api_key: settings.api_key, worker_api_key: settings.worker_api_key)
    end

    it "answers 503 with Retry-After and marks the order failed" do
      status, body = post_json("/orders", order)
      expect(status).to eq(503)
      expect(response.headers["Retry-After"].to_i).to be_positive
      expect(body["error"]).to include("could not be reached")
      expect(Order.find(body["id"])).to have_attributes(status: "failed", task_uuid: nil)
      _, health = get_json("/health")
      expect(health).to include("status" => "degraded", "engine" => include("reachable" => false))
    end
  end

  context "when the orchestration server refuses the task" do
    around do |example|
      settings = Orchestration.settings
      key = settings.api_key
      # The worker's key may not create tasks: the server answers 403.
      Orchestration.configure(url: settings.url, api_key: TaskerHarness.server.worker_key,
                              worker_api_key: settings.worker_api_key)
      example.run
    ensure
      Orchestration.configure(url: settings.url, api_key: key, worker_api_key: settings.worker_api_key)
    end

    it "marks the order failed and answers 502 with the engine's reason" do
      status, body = post_json("/orders", order)
      expect(status).to eq(502)
      expect(body["error"]).to include("the workflow engine rejected the task (FORBIDDEN)")
      expect(body["status"]).to eq("failed")
      expect(Order.find(body["id"])).to have_attributes(status: "failed", task_uuid: nil)
      _, shown = get_json("/orders/#{body['id']}")
      expect(shown).to include("status" => "failed", "task" => nil)
    end

    it "fails a queued order the same way once its background job runs" do
      status, body = post_json("/orders/async", order)
      expect(status).to eq(202)
      expect(wait_for_row_status("/orders/#{body['id']}", ["failed"])["error"]).to include("rejected the task")
    end
  end

  it "follows a task cancelled from outside when the row is read" do
    TaskerHarness.stop_worker
    _, created = post_json("/orders", order)
    TaskerHarness.admin_client.cancel_task(created["task_uuid"], reason: "spec")
    row = wait_for_row_status("/orders/#{created['id']}", ["cancelled"], timeout: 5)
    expect(row["task"]["status"]).to eq("cancelled")
  ensure
    TaskerHarness.start_worker
  end
end
