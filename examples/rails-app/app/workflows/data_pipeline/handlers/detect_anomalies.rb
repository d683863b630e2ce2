# frozen_string_literal: true

module DataPipeline
  module Handlers
    # Step 2c (parallel): rows whose amount lies more than 3 standard deviations from the mean.
    class DetectAnomalies < ApplicationStepHandler
      handles "data_pipeline_rb.detect_anomalies"

      def call(ctx)
        job_id = input(ctx, :job_id)["job_id"]
        sigmas = ctx.initialization["sigmas"].is_a?(Numeric) ? ctx.initialization["sigmas"] : 3
        Timing.timed(ctx) { Anomalies.detect(DatasetStore.load(job_id).rows, field: "amount", sigmas: sigmas) }
      end
    end
  end
end
