// Step 2b (parallel): per-column statistics (min, max, mean, nulls, distinct).
import { defineHandler } from "@tasker-ts/tasker";
import type { AppDeps } from "../../../lib/deps.js";
import { profileColumns } from "../column-stats.js";
import { loadStoredDataset } from "../dataset-store.js";
import { AnalyticsTaskContextSchema } from "../schemas.js";
import { timed } from "../timing.js";

export function enrichMetadataHandler(deps: AppDeps) {
  return defineHandler(
    "data_pipeline.enrich_metadata",
    { inputs: AnalyticsTaskContextSchema },
    async ({ input, initialization, signal }) =>
      timed(
        async () => {
          const dataset = await loadStoredDataset(deps.db, input.job_id);
          return {
            row_count: dataset.row_count,
            column_stats: profileColumns(dataset.rows, dataset.columns),
          };
        },
        { minDurationMs: initialization.simulated_work_ms, signal },
      ),
  );
}
