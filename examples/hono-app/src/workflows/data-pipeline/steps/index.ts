import type { StepHandler } from "@tasker-ts/tasker";
import type { AppDeps } from "../../../lib/deps.js";
import { aggregateResultsHandler } from "./aggregate-results.js";
import { archiveResultsHandler } from "./archive-results.js";
import { detectAnomaliesHandler } from "./detect-anomalies.js";
import { enrichMetadataHandler } from "./enrich-metadata.js";
import { generateReportHandler } from "./generate-report.js";
import { ingestDataHandler } from "./ingest-data.js";
import { notifyStakeholdersHandler } from "./notify-stakeholders.js";
import { validateSchemaHandler } from "./validate-schema.js";

/** The handlers of templates/data_pipeline/analytics_pipeline.yaml, one per step. */
export function dataPipelineHandlers(deps: AppDeps): StepHandler[] {
  return [
    ingestDataHandler(deps),
    validateSchemaHandler(deps),
    enrichMetadataHandler(deps),
    detectAnomaliesHandler(deps),
    aggregateResultsHandler(deps),
    generateReportHandler(deps),
    notifyStakeholdersHandler(deps),
    archiveResultsHandler(deps),
  ];
}
