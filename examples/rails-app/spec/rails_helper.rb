# frozen_string_literal: true

# The specs run the app against real services: a uniquely named PostgreSQL database of its own
# (migrated, so seeded), a real orchestration server (tasker-ctl serve with API keys, on its own
# fresh database) and this app's worker serving every namespace, plus Puma on a free port for the
# internal services the microservices workflow calls over HTTP. All are made in this process
# before the first example and removed after the last (spec/support/tasker_harness.rb).
ENV["RAILS_ENV"] = "test"
require_relative "../config/boot"
require "tasker_sdk/testing"

APP_DATABASE = TaskerSdk::Testing::TestDatabase.create("example_rails_test")
ENV["DATABASE_URL"] = APP_DATABASE.url
at_exit { APP_DATABASE.drop }

require_relative "../config/environment"
require "spec_helper"
require "rspec/rails"

ActiveRecord::Migration.verbose = false
migrations = Rails.root.join("db/migrate").to_s
# Rails 7 finds the schema_migrations table itself; 6.1 is told which class keeps it.
context = if ActiveRecord.version >= Gem::Version.new("7.0")
            ActiveRecord::MigrationContext.new(migrations)
          else
            ActiveRecord::MigrationContext.new(migrations, ActiveRecord::SchemaMigration)
          end
context.migrate

Dir[Rails.root.join("spec/support/**/*.rb")].each { |file| require file }

RSpec.configure do |config|
  # Request specs and the worker's threads share the database: no per-example transactions.
  config.use_transactional_fixtures = false
  config.infer_spec_type_from_file_location!
  config.include TaskPolling
  config.include RequestHelpers, type: :request
  config.before(:suite) { TaskerHarness.start! }
  config.after(:suite) { TaskerHarness.stop! }
end
