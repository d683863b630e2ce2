# frozen_string_literal: true

# Each example registers its own template in a namespace of its own, so that the workers of
# different examples never take each other's steps.
module TemplatesHelper
  def server
    TestEnv.server
  end

  def admin
    TestEnv.admin_client
  end

  # Registers a template whose steps are `steps` (Hashes; `callable` defaults to "<ns>.<name>")
  # and returns its namespace.
  def define_template(steps:, name: "flow", namespace: "rb_#{SecureRandom.hex(5)}")
    body = {
      "name" => name, "namespace_name" => namespace, "version" => "1.0.0",
      "steps" => steps.map { |s| template_step(namespace, s) }
    }
    admin.register_template(JSON.generate(body))
    namespace
  end

  def template_step(namespace, step)
    step = step.transform_keys(&:to_s)
    handler = { "callable" => step.delete("callable") || "#{namespace}.#{step['name']}" }
    init = step.delete("initialization")
    handler["initialization"] = init if init
    step.merge("handler" => handler)
  end

  def new_worker(namespace, handlers, **options)
    TaskerSdk::Worker.new(url: server.url, api_key: server.worker_key, namespaces: [namespace],
                          handlers: handlers, logger: TestEnv.logger, **options)
  end

  # Starts a worker for the example; it is stopped after it.
  def start_worker(namespace, handlers, **options)
    worker = new_worker(namespace, handlers, **options)
    started = worker.start
    raise "worker did not start: #{started.message}" unless started.success?

    (@workers ||= []) << worker
    worker
  end

  def create(namespace, name: "flow", context: {}, **options)
    admin.create_task(name: name, namespace: namespace, context: context, **options)
  end

  def wait_for(uuid, timeout: 20)
    admin.wait_for_task(uuid, timeout: timeout, interval: 0.1)
  end

  def step_named(uuid, name)
    admin.get_step(uuid, name: name)
  end

  def eventually(timeout: 10)
    deadline = Process.clock_gettime(Process::CLOCK_MONOTONIC) + timeout
    loop do
      value = yield
      return value if value
      raise "condition not met within #{timeout}s" if Process.clock_gettime(Process::CLOCK_MONOTONIC) > deadline

      sleep(0.05)
    end
  end

  def stop_workers
    (@workers || []).each { |w| w.stop(timeout: 5) }
  end
end
