# frozen_string_literal: true

require "json"
require "net/http"
require "securerandom"
require "socket"
require "tempfile"
require "uri"

module TaskerSdk
  # Test support: a real orchestration server (`tasker-ctl serve`) on a fresh PostgreSQL
  # database, for the specs of the SDK and of apps built on it.
  #
  #   db = TaskerSdk::Testing::TestDatabase.create("my_app")
  #   server = TaskerSdk::Testing::TestServer.start(db.url)
  #   ... server.url, server.admin_key, server.worker_key ...
  #   server.stop; db.drop
  #
  # Needs Node.js and the tasker-ts repository (found from the working directory or this file
  # upwards, or TASKER_REPO_ROOT), and the pg gem (Debian: ruby-pg) to create and drop
  # databases on TASKER_TEST_PG_URL (default postgres://postgres:postgres@127.0.0.1:5432/postgres).
  module Testing
    ADMIN_KEY = "ruby-tests-admin-key-0123456789"
    WORKER_KEY = "ruby-tests-worker-key-0123456789"
    APP_KEY = "ruby-tests-app-key-0123456789"
    DEFAULT_PG_URL = "postgres://postgres:postgres@127.0.0.1:5432/postgres"

    module_function

    # The tasker-ts checkout (the folder holding packages/tasker/bin/tasker-ctl.js).
    def repo_root
      candidates = [ENV.fetch("TASKER_REPO_ROOT", nil), Dir.pwd, __dir__].compact.flat_map do |start|
        path = File.expand_path(start)
        [path, *ascend(path)]
      end
      found = candidates.find { |p| File.file?(File.join(p, "packages", "tasker", "bin", "tasker-ctl.js")) }
      found or raise "cannot find the tasker-ts repository (packages/tasker/bin/tasker-ctl.js); set TASKER_REPO_ROOT"
    end

    def ascend(path)
      parents = []
      until (parent = File.dirname(path)) == path
        parents << parent
        path = parent
      end
      parents
    end

    def free_port
      server = TCPServer.new("127.0.0.1", 0)
      server.addr[1]
    ensure
      server&.close
    end

    # A uniquely named PostgreSQL database; `drop` removes it (WITH (FORCE)).
    class TestDatabase
      attr_reader :name, :url, :admin_url

      def self.create(prefix = "tasker_rb", admin_url: ENV.fetch("TASKER_TEST_PG_URL", DEFAULT_PG_URL))
        require "pg"
        name = "#{prefix}_#{SecureRandom.hex(6)}"
        with_admin(admin_url) { |conn| conn.exec(%(CREATE DATABASE "#{name}")) }
        uri = URI.parse(admin_url)
        uri.path = "/#{name}"
        new(name, uri.to_s, admin_url)
      end

      def self.with_admin(admin_url)
        conn = PG.connect(admin_url)
        yield conn
      ensure
        conn&.close
      end

      def initialize(name, url, admin_url)
        @name = name
        @url = url
        @admin_url = admin_url
      end

      def drop
        self.class.with_admin(admin_url) { |conn| conn.exec(%(DROP DATABASE IF EXISTS "#{name}" WITH (FORCE))) }
      end
    end

    # `tasker-ctl serve` with API keys on: `admin_key` (every permission), `worker_key`
    # (worker, templates:write: what a worker process needs) and `app_key` (tasks:read,
    # tasks:write: what an app creating tasks needs).
    class TestServer
      attr_reader :url, :pid, :admin_key, :worker_key, :app_key

      def self.start(database_url, port: nil, env: {}, startup_timeout: 60)
        server = new(database_url, port || Testing.free_port, env)
        server.boot(startup_timeout)
        server
      end

      def initialize(database_url, port, env)
        @database_url = database_url
        @port = port
        @env = env
        @url = "http://127.0.0.1:#{port}"
        @admin_key = ADMIN_KEY
        @worker_key = WORKER_KEY
        @app_key = APP_KEY
      end

      def boot(timeout)
        @log = Tempfile.new(["tasker-serve", ".log"])
        root = Testing.repo_root
        command = ["node", File.join(root, "packages/tasker/bin/tasker-ctl.js"), "serve",
                   "--database-url", @database_url, "--port", @port.to_s, "--host", "127.0.0.1"]
        @pid = Process.spawn(server_env, *command, chdir: root, out: @log.path, err: %i[child out], pgroup: true)
        wait_until_live(timeout)
      end

      def stop
        return unless @pid

        signal("TERM")
        signal("KILL") unless wait_exit(10)
        wait_exit(5)
        @pid = nil
        @log&.close!
      end

      # The server's output so far (for failure messages).
      def output
        @log ? File.read(@log.path)[-5000..] || File.read(@log.path) : ""
      end

      private

      def server_env
        keys = [
          { "name" => "ruby-tests-admin", "key" => ADMIN_KEY, "permissions" => ["*"] },
          { "name" => "ruby-tests-worker", "key" => WORKER_KEY, "permissions" => %w[worker templates:write] },
          { "name" => "ruby-tests-app", "key" => APP_KEY, "permissions" => %w[tasks:read tasks:write] }
        ]
        {
          "TASKER_TEMPLATE_PATH" => "", "TASKER_AUTH_ENABLED" => "true", "TASKER_API_KEYS" => JSON.generate(keys),
          "TASKER_LOG_LEVEL" => ENV.fetch("TASKER_LOG_LEVEL", "warn"), "TASKER_CONFIG_PATH" => ""
        }.merge(@env)
      end

      def wait_until_live(timeout)
        deadline = Process.clock_gettime(Process::CLOCK_MONOTONIC) + timeout
        loop do
          raise "tasker-ctl serve exited:\n#{output}" if Process.waitpid(@pid, Process::WNOHANG)
          return if live?
          raise "tasker-ctl serve did not answer within #{timeout}s:\n#{output}" if
            Process.clock_gettime(Process::CLOCK_MONOTONIC) > deadline

          sleep(0.2)
        end
      end

      def live?
        Net::HTTP.get_response(URI("#{@url}/health/live")).is_a?(Net::HTTPSuccess)
      rescue SystemCallError, IOError, Net::OpenTimeout, Net::ReadTimeout
        false
      end

      def signal(name)
        Process.kill(name, -@pid)
      rescue Errno::ESRCH
        nil
      end

      def wait_exit(seconds)
        deadline = Process.clock_gettime(Process::CLOCK_MONOTONIC) + seconds
        loop do
          return true if Process.waitpid(@pid, Process::WNOHANG)
          return false if Process.clock_gettime(Process::CLOCK_MONOTONIC) > deadline

          sleep(0.1)
        end
      rescue Errno::ECHILD
        true
      end
    end
  end
end
