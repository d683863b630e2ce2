import { createRoute } from "@hono/zod-openapi";
import type { Logger } from "../../observability/logger.js";
import { json } from "../route-docs.js";
import { HealthResponse, LiveResponse, ReadyResponse } from "../schemas.js";
import type { ApiTasker } from "../tasker-port.js";
import type { ApiApp, RouteDeps } from "./route-deps.js";

/** A probe must answer quickly even when the database hangs. */
export const HEALTH_TIMEOUT_MS = 3_000;

/** The engine's own check, bounded in time; any failure counts as "down". */
export async function probeEngine(
  tasker: ApiTasker,
  logger: Logger,
  timeoutMs = HEALTH_TIMEOUT_MS,
): Promise<{ database: boolean; queue: boolean }> {
  let timer: NodeJS.Timeout | undefined;
  try {
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`health check timed out after ${timeoutMs} ms`)), timeoutMs);
    });
    const result = await Promise.race([tasker.health(), timeout]);
    return { database: result.database === true, queue: result.queue === true };
  } catch (err) {
    logger.warn({ err }, "engine health check failed");
    return { database: false, queue: false };
  } finally {
    clearTimeout(timer);
  }
}

/** /health, /health/live and /health/ready: open to all, for load balancers and orchestrators. */
export function registerHealthRoutes(app: ApiApp, deps: RouteDeps): void {
  const { tasker, logger } = deps;
  const startedAt = Date.now();

  app.openapi(
    createRoute({
      method: "get",
      path: "/health",
      tags: ["health"],
      summary: "Health summary",
      responses: {
        200: json(HealthResponse, "Database and queue are reachable."),
        503: json(HealthResponse, "Something the engine needs is down."),
      },
    }),
    async (c) => {
      const checks = await probeEngine(tasker, logger);
      const healthy = checks.database && checks.queue;
      const body = {
        status: healthy ? ("healthy" as const) : ("unhealthy" as const),
        checks,
        uptime_seconds: Math.round((Date.now() - startedAt) / 1000),
        timestamp: new Date().toISOString(),
      };
      return healthy ? c.json(body, 200) : c.json(body, 503);
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/health/live",
      tags: ["health"],
      summary: "Liveness: the process answers",
      responses: { 200: json(LiveResponse, "The server is running.") },
    }),
    (c) => c.json({ status: "alive" as const }, 200),
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/health/ready",
      tags: ["health"],
      summary: "Readiness: database and queue reachable",
      responses: {
        200: json(ReadyResponse, "Ready to take traffic."),
        503: json(ReadyResponse, "Not ready; try again later."),
      },
    }),
    async (c) => {
      const checks = await probeEngine(tasker, logger);
      if (checks.database && checks.queue) return c.json({ status: "ready" as const, checks }, 200);
      c.header("Retry-After", "5");
      return c.json({ status: "not_ready" as const, checks }, 503);
    },
  );
}
