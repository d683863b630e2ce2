# frozen_string_literal: true

require_relative "lib/tasker_sdk/version"

Gem::Specification.new do |spec|
  spec.name = "tasker_sdk"
  spec.version = TaskerSdk::VERSION
  spec.summary = "Ruby worker and client for the tasker-ts orchestration server"
  spec.description = <<~TEXT
    Runs step handlers written in Ruby for a tasker-ts orchestration server (tasker-ctl serve)
    over its language-neutral worker protocol (HTTP + JSON, no database access), and creates,
    reads, cancels and waits for tasks through its REST API. Standard library only.
  TEXT
  spec.authors = ["tasker-ts contributors"]
  spec.license = "MIT"
  spec.homepage = "https://github.com/tasker-ts/tasker-ts/tree/main/sdks/ruby"
  spec.required_ruby_version = ">= 3.1"
  spec.metadata["rubygems_mfa_required"] = "true"

  spec.files = Dir["lib/**/*.rb", "bin/*", "README.md"]
  spec.bindir = "bin"
  spec.executables = ["conformance-worker"]
  spec.require_paths = ["lib"]
  # No runtime dependencies: net/http, json, logger and socket come with Ruby. The specs use
  # rspec and pg (Debian: ruby-rspec, ruby-pg) to run against a real server.
end
