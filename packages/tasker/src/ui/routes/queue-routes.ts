import { transportKind } from "../dashboard-tasker.js";
import { buildQueueOverview, loadQueueSnapshot } from "../data/queue-overview.js";
import { renderQueuesBody, renderQueuesLive } from "../views/queues-page.js";
import type { DashboardApp, DashboardDeps } from "./dashboard-env.js";
import { requirePage, sendFragment, sendPage } from "./respond.js";

/** Queue depths, in-flight and oldest messages per namespace, and the workers' heartbeats. */
export function registerQueueRoutes(app: DashboardApp, deps: DashboardDeps): void {
  // Queue depths are what /metrics exposes, so they need the same permission.
  app.get("/queues", requirePage("metrics:read"), async (c) => {
    const snapshot = await loadQueueSnapshot(deps.tasker.database, transportKind(deps.tasker));
    const { overview, workers } = buildQueueOverview(snapshot, deps.staleWorkerSeconds);
    const ui = c.get("ui");
    if (c.req.query("partial") === "live") return sendFragment(c, renderQueuesLive(ui, overview, workers));
    return sendPage(c, {
      title: "Queues & workers",
      section: "queues",
      body: renderQueuesBody(ui, overview, workers),
    });
  });
}
