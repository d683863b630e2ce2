# frozen_string_literal: true

# The app's link to the orchestration server (tasker-ctl serve): a client to create and read
# tasks, and the worker that runs the workflows' step handlers in this process (started by
# config/initializers/tasker.rb). Settings: config.x.tasker (config/application.rb).
module Orchestration
  # Every workflow of the app, with its namespaces and step handlers.
  WORKFLOWS = {
    "ecommerce" => "Ecommerce",
    "data-pipeline" => "DataPipeline",
    "microservices" => "Microservices",
    "team-scaling" => "TeamScaling"
  }.freeze
  TEMPLATES_PATH = Rails.root.join("config/tasker")

  @lock = Mutex.new

  class << self
    def settings
      Rails.configuration.x.tasker
    end

    def client
      @lock.synchronize do
        @client ||= TaskerSdk::Client.new(settings.url, api_key: settings.api_key, open_timeout: 3, read_timeout: 10)
      end
    end

    # Points the app at another server (the specs' own), dropping the old client.
    def configure(url:, api_key:, worker_api_key: api_key)
      @lock.synchronize do
        @client&.close
        @client = nil
        settings.url = url
        settings.api_key = api_key
        settings.worker_api_key = worker_api_key
      end
    end

    # The workflow modules (Ecommerce, DataPipeline, ...), each with NAMESPACES and handler_classes.
    def workflows
      WORKFLOWS.values.map(&:constantize)
    end

    def namespaces
      workflows.flat_map { |w| w::NAMESPACES }
    end

    # Every step handler, resolved by name on each attempt so that code reloading in development
    # picks up changes (see ReloadableHandler).
    def registry(namespaces = self.namespaces)
      handlers = workflows.flat_map(&:handler_classes).select { |k| namespaces.include?(k.callable.split(".").first) }
      TaskerSdk::HandlerRegistry.new.register(*handlers.map { |k| ReloadableHandler.new(k) })
    end

    # Starts this process's worker once (later calls answer "already_running"); it drains and
    # deregisters when the process exits. Raises when the server refuses it.
    def start_worker(namespaces: worker_namespaces, concurrency: settings.worker_concurrency, **options)
      started = TaskerSdk.bootstrap_worker(**worker_options(namespaces, concurrency), **options)
      raise "the worker did not start: #{started.message}" unless started.success?

      started
    end

    # A worker of its own (not the process's) for some namespaces, not started yet.
    def build_worker(namespaces:, concurrency: settings.worker_concurrency, **options)
      TaskerSdk::Worker.new(**worker_options(namespaces, concurrency), **options)
    end

    def worker_options(namespaces, concurrency)
      unknown = namespaces - self.namespaces
      if unknown.any?
        raise ArgumentError,
              "no handlers for namespace(s) #{unknown.join(', ')}; choose from #{self.namespaces.join(', ')}"
      end

      { url: settings.url, api_key: settings.worker_api_key, namespaces: namespaces, handlers: registry(namespaces),
        concurrency: concurrency, templates: [TEMPLATES_PATH.to_s], executor: Rails.application.executor,
        on_task_finished: TaskStatus.method(:task_finished), logger: Rails.logger }
    end

    def stop_worker(**options)
      TaskerSdk.stop_worker(**options)
    end

    def worker_status
      TaskerSdk.worker_status
    end

    # TASKER_WORKER_NAMESPACES, or every namespace the app has handlers for.
    def worker_namespaces
      settings.worker_namespaces.presence || namespaces
    end

    # Whether this process runs the worker: TASKER_WORKER=true/false, else only `rails server`.
    def start_worker_here?
      case settings.start_worker.to_s.downcase
      when "true", "1", "yes" then true
      when "false", "0", "no" then false
      else defined?(Rails::Server) ? true : false
      end
    end
  end

  # Registers a handler class by name and looks the class up again on each attempt (inside the
  # Rails executor), so that reloaded code is what runs.
  class ReloadableHandler
    attr_reader :callable

    def initialize(klass)
      @name = klass.name
      @callable = klass.callable
    end

    def call(context)
      @name.constantize.new.call(context)
    end
  end
end
