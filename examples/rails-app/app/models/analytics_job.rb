# frozen_string_literal: true

class AnalyticsJob < ApplicationRecord
  include TaskBacked

  has_one :dataset, class_name: "AnalyticsDataset", foreign_key: :job_id, inverse_of: :job,
                    dependent: :restrict_with_exception
  has_one :report, class_name: "AnalyticsReport", foreign_key: :job_id, inverse_of: :job,
                   dependent: :restrict_with_exception
end
