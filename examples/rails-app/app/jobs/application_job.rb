# frozen_string_literal: true

class ApplicationJob < ActiveJob::Base
  # A job whose record was deleted meanwhile has nothing left to do.
  discard_on ActiveJob::DeserializationError
end
