# frozen_string_literal: true

# Workflow 4 end to end through HTTP: POST /compliance/checks creates one row and two tasks
# (sales_rb/quote_generation + compliance_rb/compliance_review) sharing a correlation id; the
# row is completed when both complete, failed when either fails.
RSpec.describe "Team scaling compliance checks (sales_rb + compliance_rb)" do
  sales_steps = %w[receive_order validate_items calculate_shipping apply_discounts generate_quote]
  compliance_steps = %w[check_compliance verify_tax_rules audit_log compliance_report]

  def check_body(**overrides)
    { order_ref: "ORD-TS-1", items: [{ sku: "WIDGET-001", quantity: 10 }, { sku: "GADGET-002", quantity: 1 }],
      destination: { country: "US", region: "CA" }, coupon_code: "SAVE10", customer_id: "cust-001" }.merge(overrides)
  end

  def wait_both(created)
    created["task_uuids"].transform_values { |uuid| wait_for_task_completion(uuid) }
  end

  it "quotes and reviews an order in two namespaces and completes the check" do
    status, created = post_json("/compliance/checks", check_body)
    expect(status).to eq(201)
    # "completed" when both tasks finished before the answer (the endpoint refreshes the check).
    expect(created).to include("order_ref" => "ORD-TS-1", "namespace" => "default")
    expect(created["status"]).to match(/\A(processing|completed)\z/)
    id = created["id"]
    expect(created["task_uuids"].keys.sort).to eq(%w[compliance sales])
    expect(created["task_uuid"]).to eq(created["task_uuids"]["compliance"])

    tasks = wait_both(created)
    tasks.each do |team, task|
      expect(task).to include("status" => "complete", "completion_percentage" => 100, "namespace" => "#{team}_rb",
                              "correlation_id" => created["correlation_id"])
    end
    expect(tasks["sales"]["name"]).to eq("quote_generation")
    expect(tasks["compliance"]["name"]).to eq("compliance_review")
    expect(get_task_steps(tasks["sales"]["task_uuid"]).map { |s| [s["name"], s["current_state"]] }.sort)
      .to eq(sales_steps.map { |s| [s, "complete"] }.sort)
    expect(get_task_steps(tasks["compliance"]["task_uuid"]).map { |s| [s["name"], s["current_state"]] }.sort)
      .to eq(compliance_steps.map { |s| [s, "complete"] }.sort)

    # Team A: 10 x 29.99 + 49.99 = 349.89; 6.2 kg domestic = 5.99 + 9.30;
    # volume 5% + SAVE10 10% + gold 5% = 20% -> 69.98 off; quote 279.91 + 15.29 = 295.20.
    sales = ->(step) { get_step(tasks["sales"]["task_uuid"], step)["results"] }
    expect(sales.call("receive_order")).to include("total_units" => 11, "check_id" => id)
    expect(sales.call("validate_items")).to include("subtotal" => 349.89, "all_in_stock" => true)
    expect(sales.call("calculate_shipping")).to include("zone" => "domestic", "total_weight_kg" => 6.2,
                                                        "shipping_cost" => 15.29)
    discounts = sales.call("apply_discounts")
    expect(discounts).to include("discount_percent" => 20, "discount_total" => 69.98, "discounted_subtotal" => 279.91)
    expect(discounts["discounts"].map { |d| d["code"] }).to eq(%w[VOLUME_10 SAVE10 TIER_GOLD])
    quote_number = format("QT-%06d", id)
    quote = sales.call("generate_quote")
    expect(quote).to include("quote_number" => quote_number, "total" => 295.2, "currency" => "USD")
    expect((Time.iso8601(quote["expires_at"]) - Time.current) / 1.day).to be_between(29.9, 30)

    # Team B: approved; US-CA 7.25% on 349.89 = 25.37; one audit row; report on the check.
    compliance = ->(step) { get_step(tasks["compliance"]["task_uuid"], step)["results"] }
    expect(compliance.call("check_compliance")).to include("approved" => true, "violations" => [])
    expect(compliance.call("verify_tax_rules")).to include("jurisdiction" => "US-CA", "rate_percent" => 7.25,
                                                           "tax_amount" => 25.37)
    audit = compliance.call("audit_log")
    expect(compliance.call("compliance_report")).to include("decision" => "approved",
                                                            "audit_log_id" => audit["audit_log_id"])

    expect(Quote.where(compliance_check_id: id).pluck(:quote_number, :subtotal, :discount, :total))
      .to eq([[quote_number, BigDecimal("349.89"), BigDecimal("69.98"), BigDecimal("295.2")]])
    audit_rows = AuditLog.where(dedupe_key: "compliance_check:#{id}:review")
    expect(audit_rows.pluck(:entity_type, :entity_id,
                            :task_uuid)).to eq([["compliance_check", id.to_s, created["task_uuid"]]])

    row = wait_for_row_status("/compliance/checks/#{id}", ["completed"])
    expect(row["error"]).to be_nil
    expect(row["result"]["quote"]).to include("quote_number" => quote_number, "total" => 295.2)
    expect(row["result"]["compliance"]).to include("decision" => "approved", "tax" => include("tax_amount" => 25.37))
    expect(row["task"]).to include("task_uuid" => created["task_uuid"], "status" => "complete", "completed_steps" => 4)
    expect(row["tasks"]["sales"]).to include("status" => "complete", "completed_steps" => 5, "total_steps" => 5)
    expect(row["tasks"]["compliance"]).to include("status" => "complete", "completed_steps" => 4, "total_steps" => 4)
  end

  it "fails the compliance task and the check for an embargoed destination, with the reason" do
    status, created = post_json("/compliance/checks", check_body(order_ref: "ORD-TS-KP", destination: { country: "KP" },
                                                                 namespace: "asia_desk"))
    expect(status).to eq(201)
    expect(created["namespace"]).to eq("asia_desk")
    tasks = wait_both(created)
    expect(tasks["compliance"]["status"]).to eq("error")
    # Team A is not Team B: pricing the order still works.
    expect(tasks["sales"]["status"]).to eq("complete")
    screening = get_step(tasks["compliance"]["task_uuid"], "check_compliance")
    expect(screening).to include("current_state" => "error", "attempts" => 1)
    expect(screening["error"]).to include("code" => "compliance_violation", "retryable" => false)
    expect(screening["error"]["message"]).to match(/destination KP is under embargo/)
    expect(get_step(tasks["compliance"]["task_uuid"], "verify_tax_rules")["attempts"]).to eq(0)

    row = wait_for_row_status("/compliance/checks/#{created['id']}", ["failed"])
    expect(row["error"]).to match(/\Acompliance task failed: .*KP is under embargo/)
    expect(row.dig("result", "compliance")).to be_nil
    expect(AuditLog.where(dedupe_key: "compliance_check:#{created['id']}:review")).to be_empty
  end

  it "fails the check for an export-controlled sku" do
    _, created = post_json("/compliance/checks",
                           check_body(order_ref: "ORD-TS-R", items: [{ sku: "RESTRICTED-005", quantity: 1 }]))
    expect(wait_both(created)["compliance"]["status"]).to eq("error")
    expect(wait_for_row_status("/compliance/checks/#{created['id']}", ["failed"])["error"])
      .to match(/RESTRICTED-005 is export-controlled/)
  end

  it "fails the check when Team A cannot quote (unknown coupon), though compliance approved" do
    _, created = post_json("/compliance/checks", check_body(order_ref: "ORD-TS-C", coupon_code: "BOGUS"))
    tasks = wait_both(created)
    expect(tasks["compliance"]["status"]).to eq("complete")
    expect(tasks["sales"]["status"]).to eq("error")
    expect(get_step(tasks["sales"]["task_uuid"], "apply_discounts")["error"]).to include("code" => "invalid_coupon")
    expect(wait_for_row_status("/compliance/checks/#{created['id']}", ["failed"])["error"])
      .to match(/\Asales task failed: .*coupon BOGUS is unknown/)
    expect(Quote.where(compliance_check_id: created["id"])).to be_empty
  end

  [[{ items: [] }, "items"],
   [{ items: [{ sku: "WIDGET-001", quantity: 0 }] }, "items.0.quantity"],
   [{ destination: { country: "Germany" } }, "destination.country"],
   [{ order_ref: nil }, "order_ref"],
   [{ namespace: "has spaces" }, "namespace"]].each_with_index do |(overrides, path), i|
    it "answers 400 naming the field for bad body ##{i} (#{path})" do
      before = ComplianceCheck.count
      status, answer = post_json("/compliance/checks", check_body(**overrides).compact)
      expect(status).to eq(400)
      expect(answer["error"]).to eq("invalid request body")
      expect(answer["issues"].map { |issue| issue["path"] }).to include(path)
      expect(ComplianceCheck.count).to eq(before)
    end
  end

  it "answers 400 for a malformed id and 404 for an unknown one" do
    status, malformed = get_json("/compliance/checks/0")
    expect(status).to eq(400)
    expect(malformed["issues"]).to eq([{ "path" => "id", "message" => "must be a positive integer" }])
    status, unknown = get_json("/compliance/checks/424242")
    expect(status).to eq(404)
    expect(unknown).to eq("error" => "compliance check 424242 not found")
  end
end
