# frozen_string_literal: true

# Workflow 3 end to end through HTTP: POST /services/requests -> the diamond runs, the fetch steps
# call the internal services over real HTTP -> the result lands on the row.
RSpec.describe "Microservices user requests (microservices_rb)" do
  steps = %w[validate_request fetch_user_profile fetch_order_history merge_results format_response]

  it "runs the diamond for a full report and saves the merged result on the row" do
    status, created = post_json("/services/requests", { user_id: "cust-001", request_type: "full_report" })
    expect(status).to eq(201)
    expect(created).to include("user_id" => "cust-001", "request_type" => "full_report", "status" => "processing")
    id = created["id"]

    task = wait_for_task_completion(created["task_uuid"])
    expect(task).to include("status" => "complete", "completion_percentage" => 100)
    task_steps = get_task_steps(task["task_uuid"])
    expect(task_steps.map { |s| [s["name"], s["current_state"], s["attempts"]] }.sort)
      .to eq(steps.map { |s| [s, "complete", 1] }.sort)

    expect(get_step(task["task_uuid"], "fetch_user_profile")["results"])
      .to include("service" => "user_profiles",
                  "profile" => include("user_id" => "cust-001", "name" => "Ada Lovelace", "email" => "ada@example.com",
                                       "tier" => "gold"))
    expect(get_step(task["task_uuid"], "fetch_order_history")["results"]["orders"].size).to eq(2)
    # Seeded orders for ada: 75.22 (2024-03-01) and 140.29 (2024-05-20).
    expect(get_step(task["task_uuid"], "merge_results")["results"]).to include(
      "user_id" => "cust-001",
      "order_stats" => include("order_count" => 2, "total_spent" => 215.51, "average_order_value" => 107.76,
                               "last_order_at" => "2024-05-20T14:30:00.000Z")
    )
    response = get_step(task["task_uuid"], "format_response")["results"]["response"]
    expect(response).to include("request_type" => "full_report", "user_id" => "cust-001",
                                "profile" => include("email" => "ada@example.com"),
                                "order_stats" => include("order_count" => 2, "total_spent" => 215.51),
                                "customer_segment" => "occasional")

    # Both fetches waited for validate_request, and merge waited for both (the diamond).
    at = ->(name, key) { Time.iso8601(task_steps.find { |s| s["name"] == name }[key]) }
    %w[fetch_user_profile fetch_order_history].each do |fetch|
      expect(at.call(fetch, "last_attempted_at")).to be >= at.call("validate_request", "completed_at")
      expect(at.call("merge_results", "last_attempted_at")).to be >= at.call(fetch, "completed_at")
    end

    row = wait_for_row_status("/services/requests/#{id}", ["completed"])
    expect(row["error"]).to be_nil
    expect(row["result"]).to eq(response)
    expect(row["task"]).to include("status" => "complete", "completed_steps" => 5, "total_steps" => 5)
  end

  it "shapes profile and order summaries for their request types" do
    _, profile_req = post_json("/services/requests", { user_id: "cust-002", request_type: "profile_summary" })
    _, order_req = post_json("/services/requests", { user_id: "cust-003", request_type: "order_summary" })
    wait_for_task_completion(profile_req["task_uuid"])
    wait_for_task_completion(order_req["task_uuid"])

    profile_row = wait_for_row_status("/services/requests/#{profile_req['id']}", ["completed"])
    expect(profile_row["result"]).to eq(
      "request_type" => "profile_summary", "user_id" => "cust-002", "name" => "Grace Hopper",
      "email" => "grace@example.com", "tier" => "standard", "member_since" => profile_row["result"]["member_since"]
    )
    expect(profile_row["result"]["member_since"]).to be_a(String)
    order_row = wait_for_row_status("/services/requests/#{order_req['id']}", ["completed"])
    expect(order_row["result"]).to eq(
      "request_type" => "order_summary", "user_id" => "cust-003", "order_count" => 0, "total_spent" => 0,
      "average_order_value" => 0, "last_order_at" => nil, "recent_orders" => []
    )
  end

  it "retries the flaky customer's profile call once (a 503) and completes" do
    status, created = post_json("/services/requests", { user_id: "cust-004-flaky", request_type: "full_report" })
    expect(status).to eq(201)
    task = wait_for_task_completion(created["task_uuid"])
    expect(task["status"]).to eq("complete")
    profile = get_step(task["task_uuid"], "fetch_user_profile")
    expect(profile).to include("current_state" => "complete", "attempts" => 2)
    expect(profile["results"]).to include("attempt" => 2, "profile" => include("email" => "barbara@example.com"))
    expect(get_step(task["task_uuid"], "fetch_order_history")["attempts"]).to eq(1)
    # The injected outage is on record, once, for this request.
    fault_key = "fault:user_profiles:first_call_503:service-request-#{created['id']}"
    expect(AuditLog.where(dedupe_key: fault_key).count).to eq(1)
    row = wait_for_row_status("/services/requests/#{created['id']}", ["completed"])
    expect(row["result"]).to include("user_id" => "cust-004-flaky",
                                     "order_stats" => include("order_count" => 1, "total_spent" => 42.6))
  end

  it "fails permanently, without retrying, when the user does not exist (404 downstream)" do
    _, created = post_json("/services/requests", { user_id: "cust-999", request_type: "profile_summary" })
    task = wait_for_task_completion(created["task_uuid"])
    expect(task["status"]).to eq("error")
    profile = get_step(task["task_uuid"], "fetch_user_profile")
    expect(profile).to include("current_state" => "error", "attempts" => 1)
    expect(profile["error"]).to include("code" => "downstream_not_found", "retryable" => false)
    expect(profile["error"]["message"]).to match(/no customer with id cust-999/)
    expect(get_step(task["task_uuid"], "merge_results")["attempts"]).to eq(0)
    row = wait_for_row_status("/services/requests/#{created['id']}", ["failed"])
    expect(row["error"]).to match(/404/)
    expect(row["result"]).to be_nil
  end

  [[{ request_type: "full_report" }, "user_id"],
   [{ user_id: "cust-001", request_type: "everything" }, "request_type"],
   [{ user_id: "cust 001", request_type: "full_report" }, "user_id"],
   [{ user_id: "cust-001", request_type: "full_report", extra: true }, ""]].each do |body, path|
    it "answers 400 naming the field for #{body.to_json}" do
      status, answer = post_json("/services/requests", body)
      expect(status).to eq(400)
      expect(answer["error"]).to eq("invalid request body")
      expect(answer["issues"].map { |i| i["path"] }).to include(path)
    end
  end

  it "answers 400 for a body that is not JSON and creates nothing, 400 for a malformed id and 404 for an unknown one" do
    before = ServiceRequest.count
    expect(post_json("/services/requests", "{not json").first).to eq(400)
    expect(ServiceRequest.count).to eq(before)
    status, malformed = get_json("/services/requests/abc")
    expect(status).to eq(400)
    expect(malformed["error"]).to match(/malformed service request id "abc"/)
    status, unknown = get_json("/services/requests/999999")
    expect(status).to eq(404)
    expect(unknown).to eq("error" => "service request 999999 not found")
  end
end
