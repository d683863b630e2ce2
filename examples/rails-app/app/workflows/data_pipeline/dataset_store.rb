# frozen_string_literal: true

require "digest"

module DataPipeline
  # The rows ingest_data loaded, kept in analytics_datasets (one row per job), so the parallel
  # steps read them from the database instead of passing 1,000 rows through step results.
  module DatasetStore
    module_function

    def checksum_of(value)
      Digest::SHA256.hexdigest(JSON.generate(value))
    end

    # Stores (or replaces, on a retry) the job's dataset.
    def save(job_id, dataset)
      values = { job_id: job_id, origin: dataset[:origin], columns: dataset[:columns], rows: dataset[:rows],
                 row_count: dataset[:rows].size, checksum: checksum_of(dataset[:rows]), loaded_at: Time.current }
      AnalyticsDataset.upsert_all([values], unique_by: :job_id)
      values
    end

    def load(job_id)
      AnalyticsDataset.find_by(job_id: job_id) or
        raise TaskerSdk::PermanentError.new("no dataset stored for analytics job #{job_id}; ingest_data must run first",
                                            code: "dataset_missing")
    end
  end
end
