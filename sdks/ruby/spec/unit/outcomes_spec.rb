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

RSpec.describe TaskerSdk::StepContext do
  def context(**fields)
    described_class.new(step_name: "s", attempt: 1, max_attempts: 3, timeout_seconds: 10,
                        deadline: Time.now + 10, **fields)
  end

  it "gives a batch worker instance its batch, and refuses it elsewhere" do
    ctx = context(initialization: { "batch" => { "batch_id" => "002", "start_cursor" => 2, "end_cursor" => 4,
                                                 "batch_size" => 2, "no_op" => false } })
    expect([ctx.batch.batch_id, ctx.batch.start_cursor, ctx.batch.end_cursor, ctx.batch.no_op?])
      .to eq(["002", 2, 4, false])
    expect { context.batch }.to raise_error(TaskerSdk::PermanentError, /not a batch worker instance/)
  end

  it "saves checkpoints through its worker while the attempt runs, and refuses them after" do
    saved = []
    ctx = context(checkpointer: ->(value) { saved << value }, resume_from: { "cursor" => 3 })
    ctx.checkpoint(cursor: 5)
    expect(saved).to eq([{ "cursor" => 5 }])
    expect(ctx.resume_from).to eq("cursor" => 3)
    expect { ctx.checkpoint([1]) }.to raise_error(TaskerSdk::PermanentError)
    ctx.signal.cancel(:timeout)
    expect { ctx.checkpoint(cursor: 6) }.to raise_error(TaskerSdk::CheckpointRefused)
    expect(saved.size).to eq(1)
  end
end
