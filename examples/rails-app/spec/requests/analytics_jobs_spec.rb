# frozen_string_literal: true

# Workflow 2 end to end through HTTP: POST /analytics/jobs -> 8 steps with a parallel fan-out ->
# report on the job, outbox message, archive row.
RSpec.describe "Data pipeline analytics (data_pipeline_rb)" do
  steps = %w[ingest_data validate_schema enrich_metadata detect_anomalies aggregate_results generate_report
             notify_stakeholders archive_results]
  parallel = %w[validate_schema enrich_metadata detect_anomalies]

  before(:all) do
    @dataset_dir = Dir.mktmpdir("rails-app-datasets-")
    @configured_dir = Rails.configuration.x.dataset_dir
    Rails.configuration.x.dataset_dir = File.realpath(@dataset_dir)
    # A dataset server that fails its first request, to prove ingest_data retries a 503.
    hits = 0
    source = lambda do |_env|
      hits += 1
      next [503, {}, ["warming up"]] if hits == 1

      [200, { "content-type" => "application/json" }, [DataPipeline::DatasetGenerator.generate(99, 200).to_json]]
    end
    @source = Puma::Server.new(source, Puma::Events.null, min_threads: 1, max_threads: 2)
    @source.add_tcp_listener("127.0.0.1", 0)
    @source.run
    @source_url = "http://127.0.0.1:#{@source.connected_ports.first}/sales.json"
  end

  after(:all) do
    @source&.stop(true)
    Rails.configuration.x.dataset_dir = @configured_dir
    FileUtils.rm_rf(@dataset_dir)
  end

  it "runs the 8 steps with the three analyses in parallel and stores the report" do
    status, created = post_json("/analytics/jobs", { source: "q1-sales" })
    expect(status).to eq(201)
    expect(created).to include("source" => "q1-sales", "dataset_url" => nil, "status" => "processing")
    job_id = created["id"]

    task = wait_for_task_completion(created["task_uuid"])
    expect(task).to include("status" => "complete", "completion_percentage" => 100)
    task_steps = get_task_steps(task["task_uuid"])
    expect(task_steps.map { |s| [s["name"], s["current_state"]] }.sort).to eq(steps.map { |s| [s, "complete"] }.sort)

    results = steps.to_h { |name| [name, get_step(task["task_uuid"], name)["results"]] }
    expect(results["ingest_data"]).to include("row_count" => 1000, "columns" => %w[date region product quantity amount])
    validation = results["validate_schema"]
    expect(validation["total_rows"]).to eq(1000)
    expect(validation["invalid_rows"]).to be_positive
    expect(validation["valid_rows"] + validation["invalid_rows"]).to eq(1000)
    expect(results["enrich_metadata"]["column_stats"]["amount"]).to include("type" => "number", "nulls" => 0)
    expect(results["enrich_metadata"]["column_stats"]["region"]["distinct"]).to be >= 4
    anomalies = results["detect_anomalies"]
    expect(anomalies["anomaly_count"]).to be_positive
    expect(anomalies["anomalies"].first["value"]).to be > anomalies["upper_bound"]
    expect(results["aggregate_results"]["totals"]["rows"]).to eq(validation["valid_rows"])
    expect(results["aggregate_results"]["by_region"].keys.sort).to eq(%w[east north south west])
    expect(results["generate_report"]["title"]).to eq("Sales analytics: q1-sales (job ##{job_id})")
    expect(results["notify_stakeholders"]).to include("recipients" => ["analytics-team@example.com"])
    expect(results["archive_results"]["checksum"]).to match(/\A\h{64}\z/)

    # The parallel branches overlapped: each started before any of them finished...
    latest_start = parallel.map { |s| Time.iso8601(results[s]["started_at"]) }.max
    earliest_finish = parallel.map { |s| Time.iso8601(results[s]["finished_at"]) }.min
    expect(latest_start).to be < earliest_finish
    # ...and the fan-in waited for all three.
    expect(task_steps.find { |s| s["name"] == "aggregate_results" }["total_parents"]).to eq(3)

    row = wait_for_row_status("/analytics/jobs/#{job_id}", ["completed"])
    expect(row["result"]["report"]).to include("job_id" => job_id, "totals" => results["aggregate_results"]["totals"])
    expect(row["result"]["markdown"]).to include("# Sales analytics: q1-sales (job ##{job_id})")
    expect(row["task"]).to include("status" => "complete", "completion_percentage" => 100, "total_steps" => 8,
                                   "completed_steps" => 8)

    expect(AnalyticsDataset.find(job_id).row_count).to eq(1000)
    expect(AnalyticsReport.where(job_id: job_id).count).to eq(1)
    expect(ReportArchiveEntry.where(job_id: job_id).pluck(:checksum)).to eq([results["archive_results"]["checksum"]])
    expect(eventually(what: "the report notice to be sent") do
      EmailMessage.find_by(dedupe_key: "analytics:#{job_id}:report", status: "sent")
    end).to be_present
  end

  it "generates the same dataset for the same job id" do
    _, created = post_json("/analytics/jobs", { source: "again" })
    wait_for_task_completion(created["task_uuid"])
    expect(AnalyticsDataset.find(created["id"]).rows).to eq(DataPipeline::DatasetGenerator.generate(created["id"]))
  end

  it "reads a CSV file, and retries an HTTP source that answers 503 first" do
    csv = File.join(@dataset_dir, "march.csv")
    File.write(csv, "date,region,product,quantity,amount\n2024-03-01,north,WIDGET-001,2,59.98\n" \
                    "2024-03-02,west,GIZMO-003,1,129.00\n")
    status, from_file = post_json("/analytics/jobs", { source: "march", dataset_url: "file://#{File.realpath(csv)}" })
    expect(status).to eq(201)
    file_task = wait_for_task_completion(from_file["task_uuid"])
    expect(file_task["status"]).to eq("complete")
    expect(get_step(file_task["task_uuid"], "aggregate_results")["results"]["totals"])
      .to eq("rows" => 2, "quantity" => 3, "amount" => 188.98)

    _, from_http = post_json("/analytics/jobs", { source: "remote", dataset_url: @source_url })
    http_task = wait_for_task_completion(from_http["task_uuid"])
    expect(http_task["status"]).to eq("complete")
    ingest = get_step(http_task["task_uuid"], "ingest_data")
    expect(ingest["attempts"]).to eq(2)
    expect(ingest["results"]["row_count"]).to eq(200)
  end

  it "fails the job when the source is unreadable or mostly invalid" do
    _, missing = post_json("/analytics/jobs",
                           { source: "missing", dataset_url: "file://#{File.realpath(@dataset_dir)}/nope.csv" })
    missing_task = wait_for_task_completion(missing["task_uuid"])
    expect(missing_task["status"]).to eq("error")
    ingest = get_step(missing_task["task_uuid"], "ingest_data")
    expect(ingest["attempts"]).to eq(1)
    expect(ingest["error"]).to include("code" => "dataset_unreadable")
    expect(wait_for_row_status("/analytics/jobs/#{missing['id']}", ["failed"])["error"]).to include("nope.csv")

    junk = File.join(@dataset_dir, "junk.csv")
    File.write(junk, "date,region\nyesterday,north\ntomorrow,south\n")
    _, invalid = post_json("/analytics/jobs", { source: "junk", dataset_url: "file://#{File.realpath(junk)}" })
    invalid_task = wait_for_task_completion(invalid["task_uuid"])
    expect(invalid_task["status"]).to eq("error")
    validate = get_step(invalid_task["task_uuid"], "validate_schema")
    expect(validate["error"]).to include("code" => "dataset_invalid")
    expect(validate["error"]["message"]).to include("missing columns: product, quantity, amount")
    wait_for_row_status("/analytics/jobs/#{invalid['id']}", ["failed"])
  end

  it "answers 400 for bad bodies and ids, 404 for unknown jobs" do
    status, empty = post_json("/analytics/jobs", {})
    expect(status).to eq(400)
    expect(empty["issues"].first["path"]).to eq("source")
    status, scheme = post_json("/analytics/jobs", { source: "x", dataset_url: "ftp://example.com/a.csv" })
    expect(status).to eq(400)
    expect(scheme["issues"].first["path"]).to eq("dataset_url")
    status, outside = post_json("/analytics/jobs", { source: "x", dataset_url: "file:///etc/passwd" })
    expect(status).to eq(400)
    expect(outside["issues"].first["message"]).to include("must be inside")
    expect(get_json("/analytics/jobs/0").first).to eq(400)
    status, missing = get_json("/analytics/jobs/424242")
    expect(status).to eq(404)
    expect(missing["error"]).to eq("analytics job 424242 not found")
  end
end
