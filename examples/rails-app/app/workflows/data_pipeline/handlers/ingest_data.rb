# frozen_string_literal: true

module DataPipeline
  module Handlers
    # Step 1: load the rows (file, URL or generated) and store them for the analysis steps.
    class IngestData < ApplicationStepHandler
      handles "data_pipeline_rb.ingest_data"

      def call(ctx)
        job = input(ctx, :job_id)
        configured = ctx.initialization["fetch_timeout_ms"]
        timeout_ms = configured.is_a?(Numeric) ? configured : 10_000
        dataset = DatasetSource.load(job_id: job["job_id"], dataset_url: job["dataset_url"],
                                     dataset_dir: Rails.configuration.x.dataset_dir,
                                     timeout: [timeout_ms / 1000.0, ctx.remaining_seconds].min)
        stored = DatasetStore.save(job["job_id"], dataset)
        { "row_count" => stored[:row_count], "columns" => stored[:columns], "origin" => stored[:origin],
          "checksum" => stored[:checksum], "stored_in" => "analytics_datasets" }
      end
    end
  end
end
