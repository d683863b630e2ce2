// The web dashboard: what src/index.ts re-exports.
export { createDashboardApp, type DashboardOptions } from "./dashboard-app.js";
export type { DashboardTasker } from "./dashboard-tasker.js";
export {
  type NamespaceQueue,
  type QueueOverview,
  QueueOverviewSchema,
  type WorkerList,
  WorkerListSchema,
  type WorkerView,
} from "./data/queue-overview.js";
export { mountDashboard } from "./mount-dashboard.js";
