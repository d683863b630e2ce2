import type { OpenAPIHono } from "@hono/zod-openapi";
import type { MiddlewareHandler } from "hono";
import type { Logger } from "../../observability/logger.js";
import type { Metrics } from "../../observability/metrics.js";
import type { AuthEnv, Permission } from "../auth.js";
import type { ApiTasker } from "../tasker-port.js";

/** What every route group is built from. */
export interface RouteDeps {
  tasker: ApiTasker;
  metrics: Metrics;
  /** True when the engine does not report task creation itself, so the route must. */
  countCreates: boolean;
  logger: Logger;
  /** The auth middleware for a permission (passes everything when auth is disabled). */
  guard(permission: Permission): MiddlewareHandler<AuthEnv>;
}

export type ApiApp = OpenAPIHono<AuthEnv>;
