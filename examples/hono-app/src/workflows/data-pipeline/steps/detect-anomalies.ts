// Step 2c (parallel): rows whose amount lies more than 3 standard deviations from the mean.
import { defineHandler } from "@tasker-ts/tasker";
import type { AppDeps } from "../../../lib/deps.js";
import { detectAnomalies as findAnomalies } from "../anomalies.js";
import { loadStoredDataset } from "../dataset-store.js";
import { AnalyticsTaskContextSchema } from "../schemas.js";
import { timed } from "../timing.js";

export function detectAnomaliesHandler(deps: AppDeps) {
  return defineHandler(
    "data_pipeline.detect_anomalies",
    { inputs: AnalyticsTaskContextSchema },
    async ({ input, initialization, signal }) =>
      timed(
        async () => {
          const dataset = await loadStoredDataset(deps.db, input.job_id);
          const sigmas = typeof initialization.sigmas === "number" ? initialization.sigmas : 3;
          return findAnomalies(dataset.rows, "amount", sigmas);
        },
        { minDurationMs: initialization.simulated_work_ms, signal },
      ),
  );
}
