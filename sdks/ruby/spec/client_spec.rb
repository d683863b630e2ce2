# frozen_string_literal: true

require "spec_helper"

RSpec.describe TaskerSdk::Client do
  let(:namespace) { define_template(steps: [{ name: "only" }]) }
  let(:app) { described_class.new(server.url, api_key: server.app_key) }

  after { app.close }

  it "creates a task, and the same idempotency key answers the same task; another payload is a 409" do
    created = app.create_task(name: "flow", namespace: namespace, context: { "order_id" => 1 },
                              idempotency_key: "orders-1", tags: ["spec"], reason: "client spec")
    expect(created).to be_created
    expect(created.task_uuid).to match(/\A\h{8}-\h{4}-\h{4}-\h{4}-\h{12}\z/)
    expect(created).to have_attributes(name: "flow", namespace: namespace, version: "1.0.0",
                                       context: { "order_id" => 1 }, total_steps: 1)
    again = app.create_task(name: "flow", namespace: namespace, context: { "order_id" => 1 },
                            idempotency_key: "orders-1", tags: ["spec"], reason: "client spec")
    expect(again).not_to be_created
    expect(again.task_uuid).to eq(created.task_uuid)
    expect do
      app.create_task(name: "flow", namespace: namespace, context: { "order_id" => 2 }, idempotency_key: "orders-1")
    end.to raise_error(TaskerSdk::ApiError) { |e| expect([e.status, e.code]).to eq([409, "CONFLICT"]) }
  end

  it "reads a task, lists tasks and steps, and cancels a task" do
    task = app.create_task(name: "flow", namespace: namespace, context: {}, correlation_id: SecureRandom.uuid)
    got = app.get_task(task.task_uuid)
    expect(got.status).to be_a(String)
    expect(got).not_to be_terminal
    expect(got.steps.map(&:name)).to eq(["only"])
    listed = app.list_tasks(namespace: namespace)
    expect(listed.tasks.map(&:task_uuid)).to include(task.task_uuid)
    expect(listed.pagination).to include("total" => 1)
    steps = app.list_steps(task.task_uuid)
    expect(steps.map { |s| [s.name, s.attempts] }).to eq([["only", 0]])
    expect(app.get_step(task.task_uuid, name: "only").step_uuid).to eq(steps.first.workflow_step_uuid)
    cancelled = app.cancel_task(task.task_uuid, reason: "spec")
    expect(cancelled.status).to eq("cancelled")
    expect(app.wait_for_task(task.task_uuid, timeout: 2).status).to eq("cancelled")
  end

  it "gives up waiting with WaitTimeout carrying the last task seen" do
    task = app.create_task(name: "flow", namespace: namespace)
    expect { app.wait_for_task(task.task_uuid, timeout: 0.3, interval: 0.1) }
      .to raise_error(TaskerSdk::WaitTimeout, /still \w+ after 0.3s: only=/) { |e|
            expect(e.task.task_uuid).to eq(task.task_uuid)
          }
  end

  it "raises ApiError with the envelope's code for unknown, malformed and refused requests" do
    expect { app.get_task(SecureRandom.uuid) }
      .to raise_error(TaskerSdk::ApiError) { |e| expect([e.status, e.code]).to eq([404, "NOT_FOUND"]) }
    expect { app.get_task("not-a-uuid") }.to raise_error(TaskerSdk::ApiError) { |e| expect(e.status).to eq(400) }
    expect { app.create_task(name: "nope", namespace: namespace) }
      .to raise_error(TaskerSdk::ApiError) { |e| expect(e.status).to eq(404) }
    wrong = described_class.new(server.url, api_key: "not-the-right-key-at-all")
    expect { wrong.get_task(SecureRandom.uuid) }.to raise_error(TaskerSdk::ApiError) { |e| expect(e.status).to eq(401) }
    worker_key = described_class.new(server.url, api_key: server.worker_key)
    expect { worker_key.create_task(name: "flow", namespace: namespace) }
      .to raise_error(TaskerSdk::ApiError) { |e| expect([e.status, e.code]).to eq([403, "FORBIDDEN"]) }
    expect { app.create_task(name: "flow", namespace: namespace, bogus: 1) }.to raise_error(ArgumentError, /bogus/)
  end

  it "answers a 422 naming the problem for an invalid template" do
    bad = JSON.generate("name" => "broken", "namespace_name" => "rb_bad", "version" => "1.0.0",
                        "steps" => [{ "name" => "a", "handler" => { "callable" => "x.a" }, "dependencies" => ["zz"] }])
    expect { admin.register_template(bad) }.to raise_error(TaskerSdk::ApiError) { |e|
      expect(e.status).to eq(422)
      expect(e.message).to include("zz")
    }
  end

  it "raises ConnectionError when the server cannot be reached" do
    gone = described_class.new("http://127.0.0.1:#{TaskerSdk::Testing.free_port}", open_timeout: 1)
    expect do
      gone.get_task(SecureRandom.uuid)
    end.to raise_error(TaskerSdk::ConnectionError, /failed: Errno::ECONNREFUSED/)
    expect { described_class.new("ftp://example.com") }.to raise_error(ArgumentError, /http/)
  end
end
