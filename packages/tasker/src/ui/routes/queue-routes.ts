import { z } from "zod";
import { transportKind } from "../dashboard-tasker.js";
import { buildQueueOverview, loadQueueSnapshot } from "../data/queue-overview.js";
import { optionalInput, readQuery } from "../inputs.js";
import { renderQueuesBody, renderQueuesLive } from "../views/queues-page.js";
import type { DashboardApp, DashboardDeps } from "./dashboard-env.js";
import { requirePage, sendFragment, sendPage } from "./respond.js";

/** `?partial=live`: only the live part, for the page's refresh. */
const QueuesQuery = z.object({
  partial: optionalInput(z.enum(["live"], { error: "must be live (or left out)" })),
});

/** Queue depths, in-flight and oldest messages per namespace, and the workers' heartbeats. */
export function registerQueueRoutes(app: DashboardApp, deps: DashboardDeps): void {
  // Queue depths are what /metrics exposes, so they need the same permission.
  app.get("/queues", requirePage("metrics:read"), async (c) => {
    const { partial } = readQuery(c, QueuesQuery);
    const snapshot = await loadQueueSnapshot(deps.tasker.database, transportKind(deps.tasker));
    const { overview, workers } = buildQueueOverview(snapshot, deps.staleWorkerSeconds);
    const ui = c.get("ui");
    if (partial === "live") return sendFragment(c, renderQueuesLive(ui, overview, workers));
    return sendPage(c, {
      title: "Queues & workers",
      section: "queues",
      body: renderQueuesBody(ui, overview, workers),
    });
  });
}
