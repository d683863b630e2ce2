// `@tasker-ts/tasker/ui`: the web dashboard, as a Hono app or mounted beside the REST API.
export { createDashboardApp, type DashboardOptions } from "./dashboard-app.js";
export type { DashboardTasker } from "./dashboard-tasker.js";
export type {
  NamespaceQueue,
  QueueOverview,
  WorkerList,
  WorkerView,
} from "./data/queue-overview.js";
export { mountDashboard } from "./mount-dashboard.js";
