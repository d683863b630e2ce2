# frozen_string_literal: true

# Starts the worker that runs the workflows' step handlers, in this process, once the app has
# loaded: in `rails server` by default, or wherever TASKER_WORKER=true (e.g. a worker-only process:
# `TASKER_WORKER=true TASKER_WORKER_NAMESPACES=sales_rb bin/rails runner 'sleep'`). It registers the
# templates of config/tasker/ and the worker with the orchestration server (ORCHESTRATION_URL),
# and on exit drains, lets running steps finish and deregisters. Starting it twice is harmless.
Rails.application.config.after_initialize do
  next unless Orchestration.start_worker_here?

  started = Orchestration.start_worker
  Rails.logger.info(started.message)
  puts "tasker worker: #{started.message}" if defined?(Rails::Server)
rescue StandardError => e
  # The web app still serves reads; tasks wait in their queues until a worker runs.
  Rails.logger.error("tasker worker not started: #{e.message}")
  warn "tasker worker not started: #{e.message} " \
       "(is the orchestration server at #{Orchestration.settings.url} running? bin/start starts one)"
end
