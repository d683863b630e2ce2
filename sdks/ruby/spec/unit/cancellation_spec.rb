# frozen_string_literal: true

require "spec_helper"

RSpec.describe TaskerSdk::CancellationSignal do
  it "is set once, with the first reason, and runs callbacks" do
    signal = described_class.new
    seen = []
    signal.on_cancel { |reason| seen << reason }
    expect(signal.cancel(:cancelled)).to be(true)
    expect(signal.cancel(:timeout)).to be(false)
    expect(signal.reason).to eq(:cancelled)
    signal.on_cancel { |reason| seen << :"late_#{reason}" }
    expect(seen).to eq(%i[cancelled late_cancelled])
  end

  it "wakes a waiting thread and times out otherwise" do
    signal = described_class.new
    expect(signal.wait(0.05)).to be(false)
    waiter = Thread.new { signal.wait(5) }
    sleep(0.05)
    signal.cancel(:shutdown)
    expect(waiter.value).to be(true)
  end
end

RSpec.describe TaskerSdk::StepContext do
  def context(**fields)
    described_class.new(step_name: "s", attempt: 1, max_attempts: 3, timeout_seconds: 10,
                        deadline: Time.now + 10, **fields)
  end

  it "sleeps until stopped, then raises Cancelled with the reason" do
    ctx = context
    Thread.new do
      sleep(0.05)
      ctx.signal.cancel(:cancelled)
    end
    started = Process.clock_gettime(Process::CLOCK_MONOTONIC)
    expect { ctx.sleep(5) }.to raise_error(TaskerSdk::Cancelled) { |e| expect(e.reason).to eq(:cancelled) }
    expect(Process.clock_gettime(Process::CLOCK_MONOTONIC) - started).to be < 1
    expect(ctx).to be_cancelled
    expect { ctx.check_cancelled! }.to raise_error(TaskerSdk::Cancelled)
  end

  it "reads results of ancestors by name and knows its time left" do
    ctx = context(dependency_results: { "a" => { "v" => 1 } }, attempt: 3)
    expect(ctx.result(:a)).to eq("v" => 1)
    expect(ctx.result("missing")).to be_nil
    expect(ctx.remaining_seconds).to be_between(9, 10)
    expect(ctx).to be_last_attempt
    expect(ctx.sleep(0.01)).to be_nil
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
