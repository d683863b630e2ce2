// Step 1: load the rows (file, URL or generated) and store them for the analysis steps.
import { defineHandler } from "@tasker-ts/tasker";
import type { AppDeps } from "../../../lib/deps.js";
import { loadDataset } from "../dataset-source.js";
import { saveDataset } from "../dataset-store.js";
import { AnalyticsTaskContextSchema } from "../schemas.js";

export function ingestDataHandler(deps: AppDeps) {
  return defineHandler(
    "data_pipeline.ingest_data",
    { inputs: AnalyticsTaskContextSchema },
    async ({ input, initialization, signal }) => {
      const dataset = await loadDataset({
        jobId: input.job_id,
        datasetUrl: input.dataset_url,
        datasetDir: deps.config.datasetDir,
        timeoutMs:
          typeof initialization.fetch_timeout_ms === "number" ? initialization.fetch_timeout_ms : 10_000,
        signal,
      });
      const stored = await saveDataset(deps.db, input.job_id, dataset);
      return {
        row_count: stored.row_count,
        columns: stored.columns,
        origin: stored.origin,
        checksum: stored.checksum,
        stored_in: "app.analytics_datasets",
      };
    },
  );
}
