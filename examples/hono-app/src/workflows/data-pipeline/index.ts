// Workflow 2: data pipeline analytics (namespace data_pipeline, template analytics_pipeline)
// ingest_data -> (validate_schema | enrich_metadata | detect_anomalies) -> aggregate_results ->
// generate_report -> notify_stakeholders -> archive_results
import type { WorkflowFactory } from "../index.js";
import { aggregateResults } from "./handlers/aggregate-results.js";
import { archiveResults } from "./handlers/archive-results.js";
import { detectAnomalies } from "./handlers/detect-anomalies.js";
import { enrichMetadata } from "./handlers/enrich-metadata.js";
import { generateReport } from "./handlers/generate-report.js";
import { ingestData } from "./handlers/ingest-data.js";
import { notifyStakeholders } from "./handlers/notify-stakeholders.js";
import { validateSchema } from "./handlers/validate-schema.js";
import { analyticsRoutes } from "./routes.js";
import { NAMESPACE } from "./schemas.js";

export const dataPipelineWorkflow: WorkflowFactory = (deps) => ({
  name: "data-pipeline",
  namespaces: [NAMESPACE],
  routes: analyticsRoutes(deps),
  handlers: [
    ingestData(deps),
    validateSchema(deps),
    enrichMetadata(deps),
    detectAnomalies(deps),
    aggregateResults(deps),
    generateReport(deps),
    notifyStakeholders(deps),
    archiveResults(deps),
  ],
});
