# frozen_string_literal: true

# One real orchestration server on a fresh PostgreSQL database for the whole suite, started on
# first use (the unit specs need none) and stopped after it.
module TestEnv
  class << self
    def server
      @server ||= begin
        @db = TaskerSdk::Testing::TestDatabase.create("tasker_sdk_rb")
        TaskerSdk::Testing::TestServer.start(@db.url)
      end
    end

    def admin_client
      @admin_client ||= TaskerSdk::Client.new(server.url, api_key: server.admin_key)
    end

    def logger
      @logger ||= Logger.new(ENV["SDK_TEST_LOG"] ? $stderr : nil)
    end

    def shutdown
      @admin_client&.close
      @server&.stop
      @db&.drop
    end
  end
end
