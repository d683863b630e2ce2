# frozen_string_literal: true

require_relative "boot"

require "rails"
require "active_model/railtie"
require "active_job/railtie"
require "active_record/railtie"
require "action_controller/railtie"

Bundler.require(*Rails.groups)

module RailsApp
  # The four workflows of examples/hono-app as a Rails API, its steps run by a Ruby worker
  # (tasker_sdk) over the orchestration server's worker protocol. Settings come from the
  # environment (see README.md); every one has a working local default.
  class Application < Rails::Application
    config.load_defaults 6.1
    config.api_only = true
    config.time_zone = "UTC"

    # Background jobs (async order intake, email delivery) run in this process's thread pool.
    config.active_job.queue_adapter = :async

    # Unknown body fields are refused with a 400 naming them, instead of being dropped.
    config.action_controller.action_on_unpermitted_parameters = :raise

    # Migrations carry the seed data, so the schema file would not be enough to build a database.
    config.active_record.dump_schema_after_migration = false

    # The orchestration server (tasker-ctl serve) and this app's worker.
    config.x.tasker.url = ENV.fetch("ORCHESTRATION_URL", "http://127.0.0.1:8080")
    config.x.tasker.api_key = ENV.fetch("TASKER_API_KEY", "dev-api-key-change-me")
    config.x.tasker.worker_api_key = ENV.fetch("TASKER_WORKER_API_KEY", config.x.tasker.api_key)
    config.x.tasker.worker_namespaces = ENV.fetch("TASKER_WORKER_NAMESPACES",
                                                  "").split(",").map(&:strip).reject(&:empty?)
    config.x.tasker.worker_concurrency = Integer(ENV.fetch("WORKER_CONCURRENCY", "10"))
    # "true" / "false"; unset: start the worker in `rails server` only (not in consoles, rake or specs).
    config.x.tasker.start_worker = ENV.fetch("TASKER_WORKER", nil)

    # Where the microservices workflow finds the user-profile and order-history services
    # (default: this app, which serves them under /internal).
    config.x.services_base_url = ENV.fetch("SERVICES_BASE_URL",
                                           "http://127.0.0.1:#{ENV.fetch('PORT', '3000')}/internal")
    # file:// datasets must live under this directory.
    config.x.dataset_dir = File.expand_path(ENV.fetch("DATASET_DIR", Rails.root.join("datasets").to_s))
  end
end
