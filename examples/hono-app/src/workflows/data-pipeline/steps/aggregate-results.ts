// Step 3 (fan-in): totals by region and product from the valid rows, with the three branches' findings.
import { defineHandler } from "@tasker-ts/tasker";
import type { AppDeps } from "../../../lib/deps.js";
import { aggregate } from "../aggregation.js";
import { loadStoredDataset } from "../dataset-store.js";
import { validRows } from "../row-validation.js";
import {
  AnalyticsTaskContextSchema,
  AnomalyResultSchema,
  EnrichResultSchema,
  ValidationResultSchema,
} from "../schemas.js";

export function aggregateResultsHandler(deps: AppDeps) {
  return defineHandler(
    "data_pipeline.aggregate_results",
    {
      inputs: AnalyticsTaskContextSchema,
      depends: {
        validate_schema: ValidationResultSchema,
        enrich_metadata: EnrichResultSchema,
        detect_anomalies: AnomalyResultSchema,
      },
    },
    async ({ input, dependencyResults }) => {
      const dataset = await loadStoredDataset(deps.db, input.job_id);
      const { validate_schema, detect_anomalies, enrich_metadata } = dependencyResults;
      return {
        ...aggregate(validRows(dataset.rows)),
        valid_rows: validate_schema.valid_rows,
        invalid_rows: validate_schema.invalid_rows,
        anomaly_count: detect_anomalies.anomaly_count,
        columns_profiled: Object.keys(enrich_metadata.column_stats).length,
      };
    },
  );
}
