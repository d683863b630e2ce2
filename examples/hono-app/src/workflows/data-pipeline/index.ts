// Workflow 2: data pipeline analytics (namespace data_pipeline, template analytics_pipeline)
// ingest_data -> (validate_schema | enrich_metadata | detect_anomalies) -> aggregate_results ->
// generate_report -> notify_stakeholders -> archive_results
import { analytics_jobs } from "../../db/schema.js";
import { rowStatusMapper } from "../../engine/lifecycle.js";
import type { WorkflowFactory } from "../index.js";
import { analyticsRoutes } from "./routes.js";
import { NAMESPACE } from "./schemas.js";
import { dataPipelineHandlers } from "./steps/index.js";

export const dataPipelineWorkflow: WorkflowFactory = (deps) => ({
  name: "data-pipeline",
  namespaces: [NAMESPACE],
  routes: { "/analytics/jobs": analyticsRoutes(deps) },
  handlers: dataPipelineHandlers(deps),
  taskStatusMappers: [rowStatusMapper(analytics_jobs, [NAMESPACE])],
});
