# frozen_string_literal: true

module DataPipeline
  module Handlers
    # Step 2a (parallel): required columns and types; fails the job when most rows are invalid.
    class ValidateSchema < ApplicationStepHandler
      handles "data_pipeline_rb.validate_schema"

      def call(ctx)
        job_id = input(ctx, :job_id)["job_id"]
        Timing.timed(ctx) do
          dataset = DatasetStore.load(job_id)
          validation = RowValidation.validate_dataset(dataset.rows, dataset.columns)
          raise invalid_dataset(validation) if validation["invalid_share"] > RowValidation::MAX_INVALID_SHARE

          validation
        end
      end

      private

      def invalid_dataset(validation)
        missing = validation["missing_columns"]
        permanent("#{validation['invalid_rows']} of #{validation['total_rows']} rows are invalid (more than half)" \
                  "#{"; missing columns: #{missing.join(', ')}" if missing.any?}" \
                  "; check the dataset's columns: date, region, product, quantity, amount",
                  code: "dataset_invalid", metadata: validation)
      end
    end
  end
end
