# frozen_string_literal: true

class AnalyticsReport < ApplicationRecord
  belongs_to :job, class_name: "AnalyticsJob", inverse_of: :report
end
