# frozen_string_literal: true

require "spec_helper"

RSpec.describe TaskerSdk::Outcomes do
  it "puts a decision's outcome beside the rest of the result" do
    expect(TaskerSdk.decide(["manager_approval"], amount: 5000)).to eq(
      "amount" => 5000,
      "decision_point_outcome" => { "type" => "create_steps", "step_names" => ["manager_approval"] }
    )
    expect(TaskerSdk.no_branches).to eq("decision_point_outcome" => { "type" => "no_branches" })
    expect { TaskerSdk.decide([]) }.to raise_error(ArgumentError)
  end

  it "plans batches that cover every item once, and writes them as create_batches" do
    plan = TaskerSdk.plan_batches(total: 5, batch_size: 2)
    expect(plan.map { |c| [c["batch_id"], c["start_cursor"], c["end_cursor"], c["batch_size"]] })
      .to eq([["001", 0, 2, 2], ["002", 2, 4, 2], ["003", 4, 5, 1]])
    outcome = TaskerSdk.create_batches(plan, result: { rows: 5 })
    expect(outcome["rows"]).to eq(5)
    expect(outcome["batch_processing_outcome"]).to include("type" => "create_batches", "total_items" => 5,
                                                           "worker_count" => 3)
    expect(TaskerSdk.no_batches).to eq("batch_processing_outcome" => { "type" => "no_batches" })
    expect { TaskerSdk.plan_batches(total: 3, batch_size: 0) }.to raise_error(ArgumentError)
  end

  it "is available inside a StepHandler, and reads batch results back by batch id" do
    handler = Class.new(TaskerSdk::StepHandler) { def call(_ctx) = no_branches("why" => "none") }.new
    expect(handler.call(nil)["decision_point_outcome"]).to eq("type" => "no_branches")
    results = TaskerSdk.batch_results({ "load_002" => { "n" => 2 }, "load_001" => { "batch_failed" => true },
                                        "split" => {} }, "load")
    expect(results.map { |r| [r["batch_id"], r["failed"]] }).to eq([["001", true], ["002", false]])
  end
end
