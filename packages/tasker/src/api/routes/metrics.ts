import { createRoute, z } from "@hono/zod-openapi";
import { errorResponses, secured } from "../route-docs.js";
import type { ApiApp, RouteDeps } from "./route-deps.js";

/** GET /metrics in the Prometheus text format. */
export function registerMetricsRoute(app: ApiApp, deps: RouteDeps): void {
  const { metrics, guard } = deps;
  app.openapi(
    createRoute({
      method: "get",
      path: "/metrics",
      tags: ["observability"],
      summary: "Prometheus metrics",
      description:
        "tasker_tasks_created_total, tasker_tasks_completed_total, tasker_tasks_failed_total, " +
        "tasker_step_retries_total, tasker_step_duration_seconds, " +
        "tasker_queue_depth and " +
        "tasker_http_request_duration_seconds.",
      ...secured("metrics:read"),
      middleware: [guard("metrics:read")] as const,
      responses: {
        200: {
          description: "The exposition text.",
          content: { "text/plain": { schema: z.string() } },
        },
        ...errorResponses("UNAUTHORIZED", "FORBIDDEN"),
      },
    }),
    async (c) => {
      const { contentType, body } = await metrics.render();
      return c.text(body, 200, { "Content-Type": contentType });
    },
  );
}
