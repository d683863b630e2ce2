# frozen_string_literal: true

require "puma"
require "puma/server"

# The orchestration server, the app served over real HTTP, and the worker, for the whole suite.
module TaskerHarness
  class << self
    attr_reader :server, :app_url

    def start!
      @engine_db = TaskerSdk::Testing::TestDatabase.create("example_rails_engine")
      @server = TaskerSdk::Testing::TestServer.start(@engine_db.url)
      Orchestration.configure(url: server.url, api_key: server.app_key, worker_api_key: server.worker_key)
      start_app_server
      start_worker
    end

    def stop!
      Orchestration.stop_worker(timeout: 10)
      @puma&.stop(true)
      @server&.stop
      @engine_db&.drop
    end

    # Starts (or restarts) this process's worker for `namespaces` (default: all of the app's).
    def start_worker(namespaces = Orchestration.namespaces, **options)
      Orchestration.start_worker(namespaces: namespaces, concurrency: 8, stop_at_exit: false, **options)
    end

    def stop_worker
      Orchestration.stop_worker(timeout: 10)
    end

    # A client with every permission, as an operator's tools would have.
    def admin_client
      @admin_client ||= TaskerSdk::Client.new(server.url, api_key: server.admin_key)
    end

    private

    # The microservices workflow calls the internal services over HTTP, so the app must listen.
    def start_app_server
      @puma = Puma::Server.new(Rails.application, Puma::Events.null, min_threads: 1, max_threads: 8)
      @puma.add_tcp_listener("127.0.0.1", 0)
      @app_url = "http://127.0.0.1:#{@puma.connected_ports.first}"
      @puma.run
      Rails.configuration.x.services_base_url = "#{@app_url}/internal"
    end
  end
end
