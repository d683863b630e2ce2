# frozen_string_literal: true

require "time"

module TaskerSdk
  # What a handler gets for one attempt of one step: who it is (uuids, names, attempt), what it
  # works on (the task's context, every ancestor step's result, the template's initialization)
  # and a cancellation signal with the attempt's deadline. JSON data keeps its string keys.
  class StepContext
    attr_reader :task_uuid, :step_uuid, :step_name, :task_name, :namespace, :version,
                :correlation_id, :handler_callable, :attempt, :max_attempts, :timeout_seconds,
                :deadline, :input, :dependency_results, :initialization, :signal, :logger, :resume_from, :batch_config

    # The task's context (the JSON the task was created with).
    alias task_context input

    # Builds a context from a claim of the worker protocol (a Hash as the server sent it).
    # `checkpointer` saves a checkpoint for the attempt (the worker's POST .../checkpoint).
    def self.from_claim(claim, signal: CancellationSignal.new, logger: nil, checkpointer: nil)
      new(
        task_uuid: claim["task_uuid"], step_uuid: claim["step_uuid"], step_name: claim["step_name"],
        task_name: claim["task_name"], namespace: claim["namespace"], version: claim["version"],
        correlation_id: claim["correlation_id"], handler_callable: claim["handler_callable"],
        attempt: claim["attempt"], max_attempts: claim["max_attempts"],
        timeout_seconds: claim["timeout_seconds"], deadline: Time.iso8601(claim["deadline"]),
        input: claim["context"] || {}, dependency_results: claim["dependency_results"] || {},
        initialization: claim["initialization"] || {}, signal: signal, logger: logger,
        resume_from: claim["checkpoint"], batch_config: claim["batch_config"], checkpointer: checkpointer
      )
    end

    def initialize(**fields)
      fields.each { |name, value| instance_variable_set(:"@#{name}", value) }
      @signal ||= CancellationSignal.new
      @logger ||= Logger.new(nil)
      @input ||= {}
      @dependency_results ||= {}
      @initialization ||= {}
    end

    # The result of the ancestor step `name` (nil when it has none).
    def result(name)
      dependency_results[name.to_s]
    end

    # True on the last attempt the template allows.
    def last_attempt?
      attempt >= max_attempts
    end

    # Seconds left before the attempt's deadline (never negative).
    def remaining_seconds
      [deadline - Time.now, 0.0].max
    end

    def cancelled?
      signal.cancelled?
    end

    # Why the attempt was stopped (:timeout, :cancelled, :lost, :shutdown), or nil.
    def cancel_reason
      signal.reason
    end

    # Raises TaskerSdk::Cancelled when the attempt was stopped: call it between units of work
    # in long handlers.
    def check_cancelled!
      raise Cancelled, signal.reason if signal.cancelled?
    end

    # Saves where the step has got to (a Hash of at most 64 KiB as JSON, by convention with a
    # "cursor") and extends the lease; the step's next attempt gets it as `resume_from`. Raises
    # CheckpointRefused once the attempt no longer holds its step (stop then), PermanentError
    # (code invalid_checkpoint) for a value the server cannot store.
    def checkpoint(value)
      raise PermanentError.new("a checkpoint is a Hash, got #{value.class}", code: "invalid_checkpoint") unless
        value.is_a?(Hash)
      raise CheckpointRefused, "the attempt has ended (#{signal.reason || :timeout}): not saved" if
        signal.cancelled? || Time.now >= deadline
      raise CheckpointRefused, "this context has no worker to save checkpoints through" unless @checkpointer

      @checkpointer.call(value.transform_keys(&:to_s))
      nil
    end

    # A batch worker instance's batch (cursor range, batch id, no_op...); a PermanentError on a
    # step that is not one.
    def batch
      data = initialization["batch"]
      unless data.is_a?(Hash)
        raise PermanentError.new("step \"#{step_name}\" is not a batch worker instance: it has no initialization.batch",
                                 code: "not_a_batch_worker")
      end

      BatchInputs.from(data)
    end

    # Sleeps up to `seconds`, ending early (with Cancelled) when the attempt is stopped.
    def sleep(seconds)
      raise Cancelled, signal.reason if signal.wait(seconds)
    end
  end
end
