# frozen_string_literal: true

require_relative "../tasker_sdk"

module TaskerSdk
  # The `conformance.step` handler of conformance/README.md, whose behaviour comes from the
  # step's initialization, and the worker program the conformance runner starts
  # (`ruby sdks/ruby/bin/conformance-worker`).
  module Conformance
    CALLABLE = "conformance.step"

    module_function

    def step(ctx)
      behaviour = ctx.initialization
      work(ctx, behaviour)
      result = { "step" => ctx.step_name, "attempt" => ctx.attempt }
      result.merge!(echo(ctx)) if behaviour["echo"]
      result["padding"] = "x" * behaviour["result_bytes"] if behaviour["result_bytes"].to_i.positive?
      result.merge!(progress(ctx, behaviour))
      result.merge!(behaviour["result"]) if behaviour["result"].is_a?(Hash)
      shaped(result, behaviour, ctx.batch_config || {})
    end

    # Where the step resumed from (with `checkpoint`) and its batch (with `echo_batch`).
    def progress(ctx, behaviour)
      out = {}
      out["resume_from"] = ctx.resume_from if behaviour["checkpoint"]
      out["batch"] = ctx.batch.to_h.transform_keys(&:to_s) if behaviour["echo_batch"]
      out
    end

    # The result as a decision or a batch plan when the behaviour asks for one.
    def shaped(result, behaviour, batch_config = {})
      decision = behaviour["decide"]
      return TaskerSdk.no_branches(result) if decision == "no_branches"
      return TaskerSdk.decide(decision["create_steps"], result) if decision

      batches = behaviour["batches"]
      return result unless batches
      return TaskerSdk.no_batches(result) if batches["total"].to_i.zero?

      size = batches["batch_size"] || batch_config.fetch("batch_size")
      TaskerSdk.create_batches(TaskerSdk.plan_batches(total: batches["total"], batch_size: size), result: result)
    end

    # Sleeps, saves a checkpoint and fails as the behaviour says, in that order.
    def work(ctx, behaviour)
      ctx.sleep(behaviour["sleep_ms"] / 1000.0) if behaviour["sleep_ms"].to_i.positive?
      ctx.checkpoint(behaviour["checkpoint"].merge("attempt" => ctx.attempt)) if behaviour["checkpoint"]
      fail_attempt!(ctx, behaviour["failure"] || {}) if ctx.attempt <= behaviour.fetch("fail_attempts", 0).to_i
    end

    def fail_attempt!(ctx, failure)
      message = failure["message"] || "#{ctx.step_name} failed on attempt #{ctx.attempt}"
      options = { code: failure["code"], metadata: failure["metadata"] }
      raise PermanentError.new(message, **options) if failure["retryable"] == false

      retry_after = failure["retry_after_ms"] && (failure["retry_after_ms"] / 1000.0)
      raise RetryableError.new(message, **options, retry_after: retry_after)
    end

    def echo(ctx)
      {
        "context" => ctx.input, "dependency_results" => ctx.dependency_results,
        "initialization" => ctx.initialization, "task_name" => ctx.task_name,
        "namespace" => ctx.namespace, "max_attempts" => ctx.max_attempts
      }
    end

    def registry
      HandlerRegistry.new.handler(CALLABLE) { |ctx| step(ctx) }
    end

    # The worker program: TASKER_URL, TASKER_API_KEY and TASKER_NAMESPACES come from the runner
    # (WORKER_CONCURRENCY and LOG_LEVEL from the bench); SIGTERM / SIGINT stop it gracefully.
    def main(env = ENV)
      url = env["TASKER_URL"] or abort("TASKER_URL is not set (the conformance runner sets it)")
      logger = Logger.new($stderr, level: env.fetch("LOG_LEVEL", "info"), progname: "tasker_sdk")
      worker = Worker.new(url: url, api_key: env["TASKER_API_KEY"], handlers: registry, logger: logger,
                          namespaces: env.fetch("TASKER_NAMESPACES", "conformance").split(","),
                          concurrency: Integer(env.fetch("WORKER_CONCURRENCY", "10")), shutdown_timeout: 5)
      stop_reader, stop_writer = IO.pipe
      %w[TERM INT].each { |sig| Signal.trap(sig) { stop_writer.write_nonblock(".", exception: false) } }
      started = worker.start
      abort(started.message) unless started.success?
      $stdout.puts(started.message)
      $stdout.flush
      stop_reader.read(1)
      worker.stop
    end
  end
end
