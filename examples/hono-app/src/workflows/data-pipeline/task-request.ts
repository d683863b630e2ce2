import type { analytics_jobs } from "../../db/schema.js";
import type { RowTaskRequest } from "../../lib/task-backed-rows.js";
import { type AnalyticsTaskContext, NAMESPACE, TEMPLATE_NAME, TEMPLATE_VERSION } from "./schemas.js";

export function analyticsTaskRequest(
  job: Pick<typeof analytics_jobs.$inferSelect, "id" | "source" | "dataset_url">,
): RowTaskRequest {
  const context: AnalyticsTaskContext = { job_id: job.id, source: job.source, dataset_url: job.dataset_url };
  return {
    namespace: NAMESPACE,
    name: TEMPLATE_NAME,
    version: TEMPLATE_VERSION,
    context,
    source_system: "hono-app",
    reason: `analytics job #${job.id} (${job.source})`,
    tags: ["analytics", `analytics_job:${job.id}`],
  };
}
