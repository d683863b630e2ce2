# frozen_string_literal: true

# `rails server` (Puma): PORT (3000), RAILS_MAX_THREADS request threads. The worker that runs the
# workflows' steps starts in the same process (config/initializers/tasker.rb); with Puma's cluster
# mode (WEB_CONCURRENCY), start it in each worker process instead (on_worker_boot).
max_threads_count = ENV.fetch("RAILS_MAX_THREADS", 5)
min_threads_count = ENV.fetch("RAILS_MIN_THREADS", max_threads_count)
threads min_threads_count, max_threads_count
port ENV.fetch("PORT", 3000)
environment ENV.fetch("RAILS_ENV", "development")
pidfile ENV.fetch("PIDFILE", "tmp/pids/server.pid")
plugin :tmp_restart
