import type { Env, Hono } from "hono";
import { createDashboardApp, type DashboardOptions } from "./dashboard-app.js";

/**
 * Serves the dashboard from an existing Hono app (the orchestration API's, or an embedded app's)
 * at `basePath` (default `/ui`), next to its other routes on the same port:
 * ```ts
 * const api = createApiApp({ tasker, auth });
 * mountDashboard(api, { tasker, auth });
 * ```
 * Pass the same `auth` as the API, so a key can do the same things in both.
 */
export function mountDashboard<E extends Env>(app: Hono<E>, options: DashboardOptions): void {
  const { app: dashboard, basePath } = createDashboardApp(options);
  app.route(basePath, dashboard);
}
