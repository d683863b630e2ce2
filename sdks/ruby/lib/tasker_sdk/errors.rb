# frozen_string_literal: true

module TaskerSdk
  # Base class of every error the SDK raises.
  class Error < StandardError; end

  # A non-2xx answer from the server, with the API's error envelope
  # (`{"error": {"code", "message", "details"}}`) when it sent one.
  class ApiError < Error
    attr_reader :status, :code, :details, :retry_after

    def initialize(status:, message:, code: nil, details: nil, retry_after: nil)
      super(message)
      @status = status
      @code = code
      @details = details
      @retry_after = retry_after
    end

    # 5xx answers (and 503 backpressure) may succeed when tried again; 4xx never do.
    def transient?
      status >= 500
    end
  end

  # The server could not be reached, or the connection broke before an answer.
  class ConnectionError < Error; end

  # `Client#wait_for_task` gave up before the task reached a terminal state.
  class WaitTimeout < Error
    attr_reader :task

    def initialize(message, task)
      super(message)
      @task = task
    end
  end

  # Raised by a handler to fail its step. `code` and `metadata` end up on the step's error.
  class HandlerError < Error
    attr_reader :code, :metadata

    def initialize(message = nil, code: nil, metadata: nil)
      super(message)
      @code = code
      @metadata = metadata
    end

    def retryable?
      raise NotImplementedError
    end
  end

  # Ends the step at once, whatever attempts remain (a declined card, a missing record).
  class PermanentError < HandlerError
    def retryable?
      false
    end
  end

  # The step is tried again after the template's backoff, or after `retry_after` seconds.
  class RetryableError < HandlerError
    attr_reader :retry_after

    def initialize(message = nil, code: nil, metadata: nil, retry_after: nil)
      super(message, code: code, metadata: metadata)
      @retry_after = retry_after
    end

    def retryable?
      true
    end
  end

  # Raised inside a handler (by `StepContext#sleep` and `#check_cancelled!`) when its attempt
  # was stopped: `reason` is :timeout (its deadline passed), :cancelled (its task was
  # cancelled), :lost (the claim is no longer this worker's) or :shutdown (the worker stops).
  class Cancelled < Error
    attr_reader :reason

    def initialize(reason, message = nil)
      super(message || "the step was stopped (#{reason})")
      @reason = reason
    end
  end

  # The server did not save a checkpoint: the attempt no longer holds its step (its lease passed to
  # another worker, or its outcome was reported), or it has ended. Stop: nothing more of it counts.
  class CheckpointRefused < Cancelled
    def initialize(message)
      super(:lost, message)
    end
  end
end
