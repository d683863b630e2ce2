# frozen_string_literal: true

module DataPipeline
  module Handlers
    # Step 2b (parallel): per-column statistics (min, max, mean, nulls, distinct).
    class EnrichMetadata < ApplicationStepHandler
      handles "data_pipeline_rb.enrich_metadata"

      def call(ctx)
        job_id = input(ctx, :job_id)["job_id"]
        Timing.timed(ctx) do
          dataset = DatasetStore.load(job_id)
          { "row_count" => dataset.row_count, "column_stats" => ColumnStats.profile(dataset.rows, dataset.columns) }
        end
      end
    end
  end
end
