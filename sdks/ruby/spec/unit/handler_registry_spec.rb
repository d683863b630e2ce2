# frozen_string_literal: true

require "spec_helper"

module RegistrySpecHandlers
  class Charge < TaskerSdk::StepHandler
    handles "billing_rb.charge"

    def call(context)
      { "charged" => context.input["amount"] }
    end
  end

  class Refund < TaskerSdk::StepHandler
    handles "billing_rb.refund"
  end

  class Helper < TaskerSdk::StepHandler; end
end

RSpec.describe TaskerSdk::HandlerRegistry do
  it "registers handler classes (an instance per attempt) and blocks" do
    registry = described_class.new
    registry.register(RegistrySpecHandlers::Charge)
    registry.handler("billing_rb.audit") { |ctx| { "audited" => ctx.step_name } }
    expect(registry.callables).to eq(%w[billing_rb.audit billing_rb.charge])
    charge = registry.resolve("billing_rb.charge")
    expect(charge).to be_a(RegistrySpecHandlers::Charge)
    expect(registry.resolve("billing_rb.charge")).not_to equal(charge)
    ctx = TaskerSdk::StepContext.new(step_name: "audit", input: { "amount" => 5 })
    expect(charge.call(ctx)).to eq("charged" => 5)
    expect(registry.resolve("billing_rb.audit").call(ctx)).to eq("audited" => "audit")
    expect(registry.resolve("nope")).to be_nil
  end

  it "refuses a callable twice, a class without a callable, and a handler without a block" do
    registry = described_class.new.register(RegistrySpecHandlers::Charge)
    expect { registry.handler("billing_rb.charge") { nil } }.to raise_error(ArgumentError, /registered twice/)
    expect { registry.register(RegistrySpecHandlers::Helper) }.to raise_error(ArgumentError, /names no callable/)
    expect { registry.handler("x") }.to raise_error(ArgumentError, /needs a block/)
  end

  it "registers every loaded StepHandler subclass, optionally by callable prefix" do
    registry = described_class.new.register_all(prefixes: ["billing_rb."])
    expect(registry.callables).to eq(%w[billing_rb.charge billing_rb.refund])
    expect { registry.resolve("billing_rb.refund").call(nil) }.to raise_error(NotImplementedError, /must implement/)
  end
end

RSpec.describe TaskerSdk::Templates do
  it "reads template files from directories (recursively, sorted), files and text" do
    Dir.mktmpdir do |dir|
      FileUtils.mkdir_p(File.join(dir, "b"))
      File.write(File.join(dir, "b", "two.yaml"), "name: two\n")
      File.write(File.join(dir, "one.yml"), "name: one\n")
      File.write(File.join(dir, "notes.txt"), "not a template")
      expect(described_class.read([dir])).to eq(["name: two\n", "name: one\n"])
      expect(described_class.read([File.join(dir, "one.yml"),
                                   "name: inline\n"])).to eq(["name: one\n", "name: inline\n"])
      expect { described_class.read(["/no/such/place"]) }.to raise_error(ArgumentError, /neither a file/)
    end
  end
end
