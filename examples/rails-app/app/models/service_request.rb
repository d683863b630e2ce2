# frozen_string_literal: true

class ServiceRequest < ApplicationRecord
  include TaskBacked
end
