# frozen_string_literal: true

# Namespace isolation: each team's namespace has its own queue and its own worker. With Team A's
# (sales_rb) worker down, Team B's (compliance_rb) task still completes and Team A's waits
# untouched; when Team A's worker comes back, the sales task completes and the check follows.
RSpec.describe "Namespace isolation (one worker per team)" do
  before { TaskerHarness.stop_worker }

  after do
    [@team_a, @team_b].compact.each { |w| w.stop(timeout: 10) }
    TaskerHarness.start_worker
  end

  def claimed_by(task_uuid, step_name)
    step = get_step(task_uuid, step_name)
    audit = TaskerHarness.admin_client.instance_variable_get(:@transport)
                         .request(:get, "/v1/tasks/#{task_uuid}/workflow_steps/#{step['workflow_step_uuid']}/audit")
    transitions = audit.is_a?(Hash) ? audit["transitions"] : audit
    transitions.select { |t| t["to_state"] == "in_progress" }.map { |t| t.dig("metadata", "worker_id") }
  end

  it "keeps Team B working while Team A's worker is down, and Team A catches up when it returns" do
    @team_b = Orchestration.build_worker(namespaces: [TeamScaling::COMPLIANCE], concurrency: 4,
                                         worker_id: "team-b-#{SecureRandom.hex(3)}")
    expect(@team_b.start).to be_success
    expect(@team_b.status.namespaces).to eq(["compliance_rb"])

    body = { order_ref: "ORD-ISO-1", items: [{ sku: "GIZMO-003", quantity: 2 }], destination: { country: "DE" } }
    status, created = post_json("/compliance/checks", body)
    expect(status).to eq(201)
    sales_uuid = created["task_uuids"]["sales"]
    compliance_uuid = created["task_uuids"]["compliance"]

    # Team B's task finishes on its own.
    compliance = wait_for_task_completion(compliance_uuid, interval: 0.25)
    expect(compliance["status"]).to eq("complete")
    # Give Team A's queue every chance to be (wrongly) drained by someone else.
    sleep(1.5)
    stalled = get_task(sales_uuid)
    expect(TaskPolling::TERMINAL).not_to include(stalled["status"])
    expect(stalled["completed_steps"]).to eq(0)
    expect(get_task_steps(sales_uuid).map { |s| s["attempts"] }.uniq).to eq([0])
    expect(get_json("/compliance/checks/#{created['id']}").last["status"]).to eq("processing")

    # Team A comes back and drains its own queue.
    @team_a = Orchestration.build_worker(namespaces: [TeamScaling::SALES], concurrency: 4,
                                         worker_id: "team-a-#{SecureRandom.hex(3)}")
    expect(@team_a.start).to be_success
    sales = wait_for_task_completion(sales_uuid, interval: 0.25)
    expect(sales["status"]).to eq("complete")
    expect(sales["correlation_id"]).to eq(compliance["correlation_id"])

    # Every sales step was claimed by Team A's worker, every compliance step by Team B's.
    expect(claimed_by(sales_uuid, "generate_quote")).to eq([@team_a.worker_id])
    expect(claimed_by(compliance_uuid, "compliance_report")).to eq([@team_b.worker_id])

    # The check completes once both teams are done.
    row = wait_for_row_status("/compliance/checks/#{created['id']}", ["completed"], timeout: 15)
    expect(row["result"]["quote"]).to include("quote_number" => format("QT-%06d", created["id"]))
    expect(row["result"]["compliance"]).to include("decision" => "approved")
  end
end
