# frozen_string_literal: true

module DataPipeline
  module Handlers
    # Step 3 (fan-in): totals by region and product from the valid rows, with the three branches' findings.
    class AggregateResults < ApplicationStepHandler
      handles "data_pipeline_rb.aggregate_results"

      def call(ctx)
        job_id = input(ctx, :job_id)["job_id"]
        validation = dependency(ctx, "validate_schema", :valid_rows, :invalid_rows)
        anomalies = dependency(ctx, "detect_anomalies", :anomaly_count)
        stats = dependency(ctx, "enrich_metadata", :column_stats)
        rows = RowValidation.valid_rows(DatasetStore.load(job_id).rows)
        Aggregation.aggregate(rows).merge(
          "valid_rows" => validation["valid_rows"], "invalid_rows" => validation["invalid_rows"],
          "anomaly_count" => anomalies["anomaly_count"], "columns_profiled" => stats["column_stats"].size
        )
      end
    end
  end
end
