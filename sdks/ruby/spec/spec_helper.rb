# frozen_string_literal: true

$LOAD_PATH.unshift(File.expand_path("../lib", __dir__))
require "tasker_sdk"
require "tasker_sdk/testing"
require "securerandom"
require "tmpdir"
require "fileutils"

require_relative "support/test_env"
require_relative "support/templates_helper"
require_relative "support/toggle_proxy"

RSpec.configure do |config|
  config.expect_with(:rspec) { |c| c.syntax = :expect }
  config.disable_monkey_patching!
  config.order = :defined
  config.include TemplatesHelper
  config.after { stop_workers }
  config.after(:suite) { TestEnv.shutdown }
end
