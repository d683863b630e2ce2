# frozen_string_literal: true

require "spec_helper"

RSpec.describe TaskerSdk::Outcome do
  it "encodes a result once and measures it" do
    outcome = described_class.success({ "total" => 205.52, "note" => "héllo ✓" })
    expect(JSON.parse(outcome.json)).to eq("status" => "success",
                                           "result" => { "total" => 205.52,
                                                         "note" => "héllo ✓" })
    expect(outcome.bytesize).to eq(outcome.json.bytesize)
    expect(outcome.within(10_000)).to equal(outcome)
  end

  it "turns a result over the limit into a permanent result_too_large naming size and limit" do
    big = described_class.success({ "padding" => "x" * 2000 }).within(1000)
    expect(big).not_to be_success
    expect(big.error).to include("code" => "result_too_large", "retryable" => false, "kind" => "permanent")
    expect(big.error["message"]).to match(/20\d\d bytes as JSON, over the server's limit of 1000 bytes/)
    expect(big.error["metadata"]).to include("payload" => "result", "limit_bytes" => 1000)
  end

  it "maps handler errors: permanent, retryable with retry_after, and anything else" do
    permanent = described_class.from_exception(
      TaskerSdk::PermanentError.new("card declined", code: "card_declined", metadata: { "last4" => "0002" })
    )
    expect(permanent.error).to eq("message" => "card declined", "code" => "card_declined", "retryable" => false,
                                  "kind" => "permanent", "metadata" => { "last4" => "0002" }, "retry_after_ms" => nil)
    retryable = described_class.from_exception(TaskerSdk::RetryableError.new("later", retry_after: 0.25))
    expect(retryable.error).to include("retryable" => true, "kind" => "retryable", "retry_after_ms" => 250)
    other = described_class.from_exception(ZeroDivisionError.new("divided by 0"))
    expect(other.error).to include("code" => "ZeroDivisionError", "retryable" => true, "message" => "divided by 0")
  end

  it "refuses results JSON cannot carry, and keeps messages sendable" do
    bad = described_class.success({ "blob" => "\xFF\xFE".dup.force_encoding("BINARY") })
    expect(bad.error).to include("code" => "unstorable_result", "retryable" => false)
    nan = described_class.success({ "ratio" => Float::NAN })
    expect(nan.error["code"]).to eq("unstorable_result")
    long = described_class.failure(message: "y" * 20_000)
    expect(long.error["message"].length).to eq(10_000)
    expect(described_class.failure(message: "").error["message"]).to eq("(no message)")
    expect(described_class.failure(message: "nul\u0000byte").error["message"]).to eq("nulbyte")
  end

  it "describes a timeout as the protocol asks" do
    expect(described_class.timeout(5).error).to include("code" => "timeout", "kind" => "timeout", "retryable" => true)
  end
end
