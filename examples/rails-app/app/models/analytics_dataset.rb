# frozen_string_literal: true

# The rows ingest_data loaded for a job (one per job; re-ingesting replaces it), so the parallel
# steps read them from the database instead of passing 1,000 rows through step results.
class AnalyticsDataset < ApplicationRecord
  self.primary_key = "job_id"
  belongs_to :job, class_name: "AnalyticsJob", inverse_of: :dataset
end
