# frozen_string_literal: true

module TaskerSdk
  # One attempt of a handler in its own thread, watched by the worker's step thread: the attempt
  # ends with the handler's outcome, or at its deadline with a `timeout` failure even when the
  # handler ignores its cancellation signal (Ruby cannot stop a thread safely; the handler is
  # told through `context.cancelled?` / `context.sleep`, and with `hard_timeouts` it is also
  # interrupted with Thread#raise).
  class AttemptRun
    def initialize(handler, context, executor, logger)
      @handler = handler
      @context = context
      @executor = executor
      @logger = logger
      @mutex = Mutex.new
      @changed = ConditionVariable.new
      @outcome = nil
    end

    # Runs the handler and waits up to `seconds`. Returns the Outcome to report, or nil when
    # nothing must be reported (the claim was lost, or the worker's shutdown stopped the step).
    def wait(seconds, hard_timeouts: false)
      signal = @context.signal
      signal.on_cancel { @mutex.synchronize { @changed.broadcast } }
      thread = Thread.new { run }
      thread.name = "tasker-handler"
      thread.report_on_exception = false
      case watch(signal, monotonic + seconds)
      when :outcome then @outcome
      when :timeout
        signal.cancel(:timeout)
        interrupt(thread) if hard_timeouts
        Outcome.timeout(@context.timeout_seconds)
      end
    end

    private

    def watch(signal, deadline)
      stop_by = nil
      @mutex.synchronize do
        loop do
          reason = signal.reason
          return :lost if reason == :lost
          return reason == :shutdown && !@outcome.success? ? :drop : :outcome if @outcome

          if reason == :shutdown
            # Stopped by the worker's shutdown: a moment to end by itself, then it is handed back.
            stop_by ||= monotonic + Worker::STOP_GRACE
            return :drop if monotonic >= stop_by

            @changed.wait(@mutex, stop_by - monotonic)
            next
          end
          left = deadline - monotonic
          return :timeout if left <= 0

          @changed.wait(@mutex, left)
        end
      end
    end

    def run
      value = @executor.wrap { @handler.call(@context) }
      finish(Outcome.success(value))
    rescue Cancelled => e
      finish(cancelled(e.reason))
    rescue StandardError, ScriptError => e
      unless e.is_a?(HandlerError)
        @logger.warn("step #{@context.step_name} (#{@context.step_uuid}) raised #{e.class}: #{e.message} " \
                     "(treated as retryable)#{location(e)}")
      end
      finish(Outcome.from_exception(e))
    end

    def cancelled(reason)
      return Outcome.timeout(@context.timeout_seconds) if reason == :timeout

      Outcome.failure(message: "the step was stopped: #{reason}", code: reason.to_s,
                      retryable: reason != :cancelled, kind: reason == :cancelled ? "permanent" : "retryable")
    end

    def finish(outcome)
      @mutex.synchronize do
        @outcome ||= outcome
        @changed.broadcast
      end
    end

    def interrupt(thread)
      return if thread.join(0.1)

      thread.raise(Cancelled.new(:timeout, "step timed out after #{@context.timeout_seconds}s"))
    end

    def location(error)
      line = error.backtrace&.first
      line ? " at #{line}" : ""
    end

    def monotonic
      Process.clock_gettime(Process::CLOCK_MONOTONIC)
    end
  end
end
