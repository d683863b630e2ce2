// Step 2a (parallel): required columns and types; fails the job when most rows are invalid.
import { defineHandler, PermanentError } from "@tasker-ts/tasker";
import type { AppDeps } from "../../../lib/deps.js";
import { loadStoredDataset } from "../dataset-store.js";
import { MAX_INVALID_SHARE, validateDataset } from "../row-validation.js";
import { AnalyticsTaskContextSchema } from "../schemas.js";
import { timed } from "../timing.js";

export function validateSchemaHandler(deps: AppDeps) {
  return defineHandler(
    "data_pipeline.validate_schema",
    { inputs: AnalyticsTaskContextSchema },
    async ({ input, initialization, signal }) =>
      timed(
        async () => {
          const dataset = await loadStoredDataset(deps.db, input.job_id);
          const validation = validateDataset(dataset.rows, dataset.columns);
          if (validation.invalid_share > MAX_INVALID_SHARE) {
            throw new PermanentError(
              `${validation.invalid_rows} of ${validation.total_rows} rows are invalid (more than half)` +
                (validation.missing_columns.length > 0
                  ? `; missing columns: ${validation.missing_columns.join(", ")}`
                  : "") +
                "; check the dataset's columns: date, region, product, quantity, amount",
              { code: "dataset_invalid", metadata: { ...validation } },
            );
          }
          return validation;
        },
        { minDurationMs: initialization.simulated_work_ms, signal },
      ),
  );
}
