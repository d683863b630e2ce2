# frozen_string_literal: true

require "spec_helper"

# What the worker protocol promises that writing this SDK found broken once, kept as examples.
RSpec.describe "Worker protocol findings" do
  def call(method, path, body = nil)
    @transport.request(method, path, body: body)
  end

  before do
    @transport = TaskerSdk::Transport.new(server.url, api_key: server.worker_key)
  end

  after { @transport.close }

  it "answers a report repeated after a lost answer with the step it already claimed as `next`" do
    # It was a 409 claim_not_held without `next`: b stayed in_progress, claimed by this worker,
    # which never learnt its token, until its lease ran out.
    ns = define_template(steps: [{ name: "a" }, { name: "b", dependencies: ["a"] }])
    worker = call(:post, "/v1/worker/workers",
                  { "namespaces" => [ns], "handlers" => ["#{ns}.a", "#{ns}.b"], "lease_seconds" => 5,
                    "sdk" => { "name" => "spec", "version" => "0" } })
    path = "/v1/worker/workers/#{worker['worker_id']}"
    task = create(ns)
    claim = call(:post, "#{path}/claims", { "max_steps" => 1, "wait_ms" => 5000 })["steps"].first
    report = { "claim_token" => claim["claim_token"], "outcome" => { "status" => "success", "result" => {} } }
    first = call(:post, "#{path}/results", report)
    expect(first["next"]).to include("step_name" => "b")
    # The answer was lost on the way (a connection reset): the worker reports again.
    again = begin
      call(:post, "#{path}/results", report)
    rescue TaskerSdk::ApiError => e
      { "status" => e.status }
    end
    expect(again["next"]).to include("step_name" => "b", "claim_token" => first["next"]["claim_token"])
  ensure
    admin.cancel_task(task.task_uuid) if task
    call(:delete, path) if path
  end
end
