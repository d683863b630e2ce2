import type { Hono } from "hono";
import type { Logger } from "../../observability/logger.js";
import type { DashboardTasker } from "../dashboard-tasker.js";
import type { DashboardAuth } from "../session.js";
import type { UiContext } from "../ui-context.js";

/** Per request: the view context (who is asking, where the dashboard lives). */
export type DashboardEnv = { Variables: { ui: UiContext } };
export type DashboardApp = Hono<DashboardEnv>;

/** What every route group is built from. */
export interface DashboardDeps {
  tasker: DashboardTasker;
  auth: DashboardAuth;
  logger: Logger;
  /** Workers silent this long are shown as stale. */
  staleWorkerSeconds: number;
}
