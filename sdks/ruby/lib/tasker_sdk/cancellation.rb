# frozen_string_literal: true

module TaskerSdk
  # Tells a running handler to stop. It is set once, with a reason: :timeout (the attempt's
  # deadline passed), :cancelled (the server says the task was cancelled), :lost (the claim is
  # no longer this worker's) or :shutdown (the worker is stopping). Threads can wait on it.
  class CancellationSignal
    def initialize
      @mutex = Mutex.new
      @condition = ConditionVariable.new
      @reason = nil
      @callbacks = []
    end

    def cancelled?
      !@reason.nil?
    end

    attr_reader :reason

    # Sets the signal (the first reason wins) and runs the callbacks. Returns true when this
    # call set it.
    def cancel(reason)
      callbacks = @mutex.synchronize do
        return false if @reason

        @reason = reason
        @condition.broadcast
        @callbacks.slice!(0..)
      end
      callbacks.each { |callback| callback.call(reason) }
      true
    end

    # Runs the block when the signal is set (at once when it already is).
    def on_cancel(&block)
      run_now = @mutex.synchronize do
        @callbacks << block unless @reason
        @reason
      end
      block.call(run_now) if run_now
      self
    end

    # Waits up to `seconds` (nil: for ever) for the signal; returns true when it is set.
    def wait(seconds = nil)
      deadline = seconds && (monotonic + seconds)
      @mutex.synchronize do
        until @reason
          left = deadline && (deadline - monotonic)
          break if left && left <= 0

          @condition.wait(@mutex, left)
        end
        cancelled?
      end
    end

    private

    def monotonic
      Process.clock_gettime(Process::CLOCK_MONOTONIC)
    end
  end
end
