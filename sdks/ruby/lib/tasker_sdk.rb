# frozen_string_literal: true

require "json"
require "logger"

require_relative "tasker_sdk/version"
require_relative "tasker_sdk/errors"
require_relative "tasker_sdk/transport"
require_relative "tasker_sdk/cancellation"
require_relative "tasker_sdk/outcomes"
require_relative "tasker_sdk/step_context"
require_relative "tasker_sdk/step_handler"
require_relative "tasker_sdk/handler_registry"
require_relative "tasker_sdk/outcome"
require_relative "tasker_sdk/attempt_run"
require_relative "tasker_sdk/templates"
require_relative "tasker_sdk/resources"
require_relative "tasker_sdk/client"
require_relative "tasker_sdk/worker"

# A Ruby worker and client for the tasker-ts orchestration server. See README.md.
module TaskerSdk
  @lock = Mutex.new

  class << self
    # The process's worker, as `bootstrap_worker` made it (nil before).
    attr_reader :worker

    # Starts the process's worker once (an app's initializer calls it): a second call answers
    # status "already_running". Takes Worker.new's options; `stop_at_exit: true` (the default)
    # drains and deregisters the worker when the process exits. Never raises.
    def bootstrap_worker(stop_at_exit: true, **options)
      @lock.synchronize do
        if @worker&.running?
          return Worker::StartResult.new(success: true, status: "already_running",
                                         message: "worker #{@worker.worker_id} is already running",
                                         worker_id: @worker.worker_id)
        end

        begin
          @worker = Worker.new(**options)
        rescue ArgumentError => e
          return Worker::StartResult.new(success: false, status: "error", message: e.message, worker_id: "")
        end
        started = @worker.start
        @worker.stop_at_exit! if started.success? && stop_at_exit
        started
      end
    end

    # What the process's worker is doing (nil when none was started).
    def worker_status
      @worker&.status
    end

    # Stops the process's worker (drain, wait, deregister); false when none runs.
    def stop_worker(**options)
      worker = @lock.synchronize { @worker }
      worker ? worker.stop(**options) : false
    end
  end
end
