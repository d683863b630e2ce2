# frozen_string_literal: true

require "spec_helper"

RSpec.describe TaskerSdk::Worker do
  def registry
    TaskerSdk::HandlerRegistry.new
  end

  def monotonic
    Process.clock_gettime(Process::CLOCK_MONOTONIC)
  end

  it "runs a chain with a handler class and a block, giving each its step context" do
    ns = define_template(steps: [
                           { name: "first", initialization: { "greeting" => "hello" }, timeout_seconds: 20 },
                           { name: "second", dependencies: ["first"] }
                         ])
    seen = Queue.new
    first = Class.new(TaskerSdk::StepHandler) do
      handles "#{ns}.first"
      define_method(:call) do |ctx|
        seen << ctx
        { "greeting" => "#{ctx.initialization['greeting']}, #{ctx.input['name']}" }
      end
    end
    handlers = registry.register(first).handler("#{ns}.second") do |ctx|
      seen << ctx
      { "echo" => ctx.result("first")["greeting"].upcase }
    end
    worker = start_worker(ns, handlers)
    task = create(ns, context: { "name" => "Ada" }, correlation_id: "corr-#{ns}")
    expect(wait_for(task.task_uuid).status).to eq("complete")
    expect(step_named(task.task_uuid, "second").results).to eq("echo" => "HELLO, ADA")

    ctx = seen.pop
    expect(ctx).to have_attributes(task_uuid: task.task_uuid, step_name: "first", task_name: "flow",
                                   namespace: ns, version: "1.0.0", correlation_id: "corr-#{ns}",
                                   handler_callable: "#{ns}.first", attempt: 1, max_attempts: 3,
                                   timeout_seconds: 20, input: { "name" => "Ada" }, dependency_results: {})
    expect(ctx.step_uuid).to eq(step_named(task.task_uuid, "first").step_uuid)
    expect(ctx.deadline - Time.now).to be_between(10, 20)
    expect(seen.pop.dependency_results).to eq("first" => { "greeting" => "hello, Ada" })
    expect(worker.status).to have_attributes(running: true, namespaces: [ns], completed: 2, failed: 0,
                                             handlers: ["#{ns}.first", "#{ns}.second"])
  end

  it "retries a RetryableError after its retry_after rather than the template's backoff" do
    slow_backoff = { max_attempts: 3, backoff: "linear", backoff_base_ms: 60_000, max_backoff_ms: 60_000 }
    ns = define_template(steps: [{ name: "flaky", retry: slow_backoff }])
    handlers = registry.handler("#{ns}.flaky") do |ctx|
      raise TaskerSdk::RetryableError.new("not yet", code: "flaky", retry_after: 0.2) if ctx.attempt == 1

      { "attempt" => ctx.attempt }
    end
    start_worker(ns, handlers)
    started = monotonic
    task = create(ns)
    expect(wait_for(task.task_uuid).status).to eq("complete")
    expect(monotonic - started).to be < 10
    step = step_named(task.task_uuid, "flaky")
    expect([step.attempts, step.results]).to eq([2, { "attempt" => 2 }])
  end

  it "ends a PermanentError at once with its code and metadata; other errors are retryable" do
    ns = define_template(steps: [
                           { name: "refuse" },
                           { name: "broken", retry: { max_attempts: 2, backoff: "linear", backoff_base_ms: 50 } }
                         ])
    declined = TaskerSdk::PermanentError.new("card declined", code: "card_declined", metadata: { "last4" => "0002" })
    handlers = registry.handler("#{ns}.refuse") { raise declined }
    handlers.handler("#{ns}.broken") { raise ArgumentError, "bad argument" }
    start_worker(ns, handlers)
    task = create(ns)
    expect(wait_for(task.task_uuid).status).to eq("error")
    refuse = step_named(task.task_uuid, "refuse")
    expect(refuse.attempts).to eq(1)
    expect(refuse.error).to include("message" => "card declined", "code" => "card_declined", "retryable" => false,
                                    "kind" => "permanent", "metadata" => { "last4" => "0002" })
    broken = step_named(task.task_uuid, "broken")
    expect(broken.attempts).to eq(2)
    expect(broken.error).to include("code" => "ArgumentError", "retryable" => true, "message" => "bad argument")
  end

  it "reports a timeout at the deadline even when the handler ignores its signal" do
    ns = define_template(steps: [{ name: "slow", timeout_seconds: 1, retry: { max_attempts: 1 } }])
    contexts = Queue.new
    handlers = registry.handler("#{ns}.slow") do |ctx|
      contexts << ctx
      Kernel.sleep(3)
      { "too" => "late" }
    end
    start_worker(ns, handlers)
    started = monotonic
    task = create(ns)
    expect(wait_for(task.task_uuid).status).to eq("error")
    expect(monotonic - started).to be < 2.8
    expect(step_named(task.task_uuid, "slow").error)
      .to include("code" => "timeout", "kind" => "timeout", "retryable" => true)
    expect(contexts.pop.cancel_reason).to eq(:timeout)
  end

  it "interrupts a timed-out handler with hard_timeouts" do
    ns = define_template(steps: [{ name: "stuck", timeout_seconds: 1, retry: { max_attempts: 1 } }])
    ended = Queue.new
    handlers = registry.handler("#{ns}.stuck") do
      Kernel.sleep(30)
    rescue TaskerSdk::Cancelled => e
      ended << e.reason
      raise
    end
    start_worker(ns, handlers, hard_timeouts: true)
    task = create(ns)
    expect(wait_for(task.task_uuid).status).to eq("error")
    expect(ended.pop).to eq(:timeout)
  end

  it "stops a running handler when a heartbeat says its task was cancelled; nothing after it runs" do
    ns = define_template(steps: [{ name: "long", timeout_seconds: 60 }, { name: "after", dependencies: ["long"] }])
    stopped = Queue.new
    running = Queue.new
    handlers = registry.handler("#{ns}.after") { { "ran" => true } }
    handlers.handler("#{ns}.long") do |ctx|
      running << true
      ctx.sleep(30)
    rescue TaskerSdk::Cancelled => e
      stopped << e.reason
      raise
    end
    # A 5 s lease: a heartbeat every 1.7 s.
    start_worker(ns, handlers, lease_seconds: 5)
    task = create(ns)
    running.pop
    admin.cancel_task(task.task_uuid, reason: "spec")
    started = monotonic
    expect(stopped.pop).to eq(:cancelled)
    expect(monotonic - started).to be < 4
    expect(wait_for(task.task_uuid).status).to eq("cancelled")
    expect(step_named(task.task_uuid, "after").attempts).to eq(0)
  end

  it "is handed only its own callables, and fails an oversized result with result_too_large" do
    ns = define_template(steps: [
                           { name: "elsewhere", callable: "nobody.handles_this" },
                           { name: "huge", retry: { max_attempts: 2, backoff: "linear", backoff_base_ms: 50 } }
                         ])
    worker = start_worker(ns, registry.handler("#{ns}.huge") { { "padding" => "x" * 1_100_000 } })
    expect(worker.instance_variable_get(:@registration)["unhandled_callables"]).to eq(["nobody.handles_this"])
    task = create(ns)
    huge = eventually { (s = step_named(task.task_uuid, "huge")).state == "error" && s }
    expect([huge.attempts, huge.error["code"], huge.error["retryable"]]).to eq([1, "result_too_large", false])
    expect(huge.error["message"]).to match(/over the server's limit of \d+ bytes/)
    sleep(0.5)
    # The other step waits for a worker that has its handler.
    expect(step_named(task.task_uuid, "elsewhere")).to have_attributes(current_state: "enqueued", attempts: 0)
    admin.cancel_task(task.task_uuid)
  end

  it "drains on stop: a running step finishes and is reported, then the worker is deregistered" do
    ns = define_template(steps: [{ name: "work" }])
    running = Queue.new
    handlers = registry.handler("#{ns}.work") do
      running << true
      Kernel.sleep(0.7)
      { "finished" => true }
    end
    worker = start_worker(ns, handlers)
    task = create(ns)
    running.pop
    expect(worker.stop).to be(true)
    expect(worker.stop).to be(false)
    expect(admin.get_task(task.task_uuid).status).to eq("complete")
    expect(step_named(task.task_uuid, "work").results).to eq("finished" => true)
    listed = admin.instance_variable_get(:@transport).request(:get, "/v1/worker/workers")["workers"]
    expect(listed.find { |w| w["worker_id"] == worker.worker_id })
      .to include("status" => "stopped", "sdk" => TaskerSdk::Worker::SDK)
  end

  it "hands back the claims of handlers that outlive the shutdown; another worker runs them" do
    ns = define_template(steps: [{ name: "work", timeout_seconds: 60 }])
    running = Queue.new
    first = new_worker(ns, registry.handler("#{ns}.work") do |ctx|
      running << true
      ctx.sleep(30)
    end)
    first.start
    task = create(ns)
    running.pop
    started = monotonic
    first.stop(timeout: 0.3)
    expect(monotonic - started).to be < 4
    start_worker(ns, registry.handler("#{ns}.work") { |ctx| { "attempt" => ctx.attempt } })
    expect(wait_for(task.task_uuid).status).to eq("complete")
    expect(step_named(task.task_uuid, "work").attempts).to eq(1)
  end

  it "starts once, says what it runs, and answers an error instead of raising" do
    ns = define_template(steps: [{ name: "a" }])
    worker = new_worker(ns, registry.handler("#{ns}.a") { {} }, worker_id: "ruby-spec-#{ns}")
    first = worker.start
    expect(first).to have_attributes(success?: true, status: "started", worker_id: "ruby-spec-#{ns}")
    expect(worker.start).to have_attributes(success?: true, status: "already_running")
    expect(worker.status).to have_attributes(worker_id: "ruby-spec-#{ns}", running: true, in_flight: 0)
    worker.stop
    expect(worker.status.running).to be(false)
    expect(worker.start.status).to eq("started")
    worker.stop

    refused = TaskerSdk::Worker.new(url: server.url, api_key: "a-key-the-server-does-not-know",
                                    namespaces: [ns], handlers: registry, logger: TestEnv.logger).start
    expect(refused).to have_attributes(success?: false, status: "error")
    expect(refused.message).to include("401")
    unreachable = TaskerSdk::Worker.new(url: "http://127.0.0.1:#{TaskerSdk::Testing.free_port}", namespaces: [ns],
                                        handlers: registry, logger: TestEnv.logger).start
    expect(unreachable.message).to include("ECONNREFUSED")
  end

  it "bootstrap_worker starts the process's worker once; stop_worker stops it" do
    ns = define_template(steps: [{ name: "a" }])
    options = { url: server.url, api_key: server.worker_key, namespaces: [ns], logger: TestEnv.logger,
                handlers: registry.handler("#{ns}.a") { { "ok" => true } }, stop_at_exit: false }
    expect(TaskerSdk.bootstrap_worker(**options).status).to eq("started")
    expect(TaskerSdk.bootstrap_worker(**options).status).to eq("already_running")
    expect(TaskerSdk.worker_status.namespaces).to eq([ns])
    task = create(ns, name: "flow")
    expect(wait_for(task.task_uuid).status).to eq("complete")
    expect(TaskerSdk.stop_worker).to be(true)
    expect(TaskerSdk.worker_status.running).to be(false)
    expect(TaskerSdk.bootstrap_worker(**options, namespaces: []).status).to eq("error")
  end

  it "registers templates first, wraps attempts in the executor and says when a task finishes" do
    ns = "rb_#{SecureRandom.hex(5)}"
    Dir.mktmpdir do |dir|
      File.write(File.join(dir, "shipped.yaml"), <<~YAML)
        name: shipped
        namespace_name: #{ns}
        version: 1.0.0
        steps:
          - name: pack
            handler: { callable: #{ns}.pack }
          - name: ship
            dependencies: [pack]
            handler: { callable: #{ns}.ship }
      YAML
      executor = Class.new do
        attr_reader :count

        def initialize
          @count = 0
          @lock = Mutex.new
        end

        def wrap
          @lock.synchronize { @count += 1 }
          yield
        end
      end.new
      finished = Queue.new
      handlers = registry.handler("#{ns}.pack") { { "box" => 1 } }.handler("#{ns}.ship") { { "sent" => true } }
      start_worker(ns, handlers, templates: [dir], executor: executor,
                                 on_task_finished: ->(event) { finished << event })
      task = create(ns, name: "shipped")
      event = finished.pop
      expect(event).to have_attributes(task_uuid: task.task_uuid, status: "complete", namespace: ns,
                                       task_name: "shipped", step_name: "ship")
      expect(executor.count).to eq(3) # two attempts and the finished hook
    end
  end

  it "retries a report while the server is away, and the step is stored once it is back" do
    ns = define_template(steps: [{ name: "work" }, { name: "next", dependencies: ["work"] }])
    proxy = ToggleProxy.new(URI(server.url).port)
    running = Queue.new
    release = Queue.new
    handlers = registry.handler("#{ns}.next") { |ctx| ctx.result("work") }
    handlers.handler("#{ns}.work") do
      running << true
      release.pop
      { "done" => true }
    end
    worker = TaskerSdk::Worker.new(url: proxy.url, api_key: server.worker_key, namespaces: [ns], handlers: handlers,
                                   logger: TestEnv.logger)
    worker.start
    task = create(ns)
    running.pop
    proxy.down!
    release << true
    sleep(1.2) # the report fails a few times meanwhile
    expect(admin.get_task(task.task_uuid).completed_steps).to eq(0)
    proxy.up!
    expect(wait_for(task.task_uuid).status).to eq("complete")
    expect(step_named(task.task_uuid, "next").results).to eq("done" => true)
    expect(worker.status.completed).to eq(2)
  ensure
    worker&.stop(timeout: 5)
    proxy&.close
  end
end
