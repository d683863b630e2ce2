// An engine with the test templates, the orchestration API and the dashboard on one random port,
// as the orchestration server serves them: the API app with the dashboard mounted at /ui.
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { createAdaptorServer } from "@hono/node-server";
import { type AuthConfig, buildApiApp } from "../../src/api/index.js";
import { decide, defineHandler } from "../../src/index.js";
import { parseTemplateObject } from "../../src/template/load.js";
import type { TestBackend } from "../../src/testing/index.js";
import {
  type Harness,
  programmableHandler,
  startHarness,
  TEMPLATES,
  template,
} from "../support/engine-harness.js";

/**
 * A namespace no worker serves until a test starts one (`startLiveWorker`): a task there sits
 * still while a page is opened, so the page is sure to see its steps change.
 */
export const LIVE_NAMESPACE = "ui_live";
export const LIVE_DIAMOND = template(LIVE_NAMESPACE, "live_diamond", [
  { name: "validate_order" },
  { name: "charge_card", deps: ["validate_order"] },
  { name: "reserve_stock", deps: ["validate_order"] },
  { name: "ship_order", deps: ["charge_card", "reserve_stock"] },
]);

/**
 * A decision in the live namespace: `route_claim` sleeps `sleep_ms.route_claim`, then creates
 * the step named by the context's `route` (auto_pay by default); `settle` converges.
 */
export const LIVE_APPROVAL = parseTemplateObject(
  {
    name: "live_approval",
    namespace_name: LIVE_NAMESPACE,
    version: "1.0.0",
    steps: [
      { name: "intake", handler: { callable: "test.intake" } },
      {
        name: "route_claim",
        type: "decision",
        dependencies: ["intake"],
        handler: { callable: "test.route_claim" },
      },
      { name: "auto_pay", dependencies: ["route_claim"], handler: { callable: "test.auto_pay" } },
      {
        name: "adjuster_review",
        dependencies: ["route_claim"],
        handler: { callable: "test.adjuster_review" },
      },
      {
        name: "settle",
        type: "deferred_convergence",
        dependencies: ["auto_pay", "adjuster_review"],
        handler: { callable: "test.settle" },
      },
    ],
  },
  "live_approval.yaml",
).template;

const routeClaim = defineHandler("test.route_claim", {}, async (ctx) => {
  const input = ctx.input as { route?: string; sleep_ms?: Record<string, number> };
  await new Promise((r) => setTimeout(r, input.sleep_ms?.route_claim ?? 0));
  return decide([input.route ?? "auto_pay"]);
});

export interface DashboardHarness extends Harness {
  /** e.g. http://127.0.0.1:43121 */
  base: string;
  /** Starts a worker for the live namespace (its handlers are the programmable ones), once. */
  startLiveWorker(): Promise<void>;
  close(): Promise<void>;
}

export async function startDashboardHarness(
  backend: TestBackend,
  options: { auth?: AuthConfig; refreshMs?: number } = {},
): Promise<DashboardHarness> {
  const engine = await startHarness(backend, {
    worker: false,
    options: { templates: [...Object.values(TEMPLATES), LIVE_DIAMOND, LIVE_APPROVAL] },
  });
  const handlers = [
    ...engine.handlers,
    ...LIVE_DIAMOND.steps.map((s) => programmableHandler(s.handler.callable, engine.executions)),
    ...LIVE_APPROVAL.steps
      .filter((s) => s.name !== "route_claim")
      .map((s) => programmableHandler(s.handler.callable, engine.executions)),
    routeClaim,
  ];
  let liveWorker: Promise<unknown> | undefined;
  const worker = (namespaces: string[]) =>
    engine.tasker.startWorker({ handlers, namespaces, pollIntervalMs: 100, concurrency: 8 });
  await worker(["test_alpha", "test_beta"]);
  const auth = options.auth ?? { enabled: false };
  const api = buildApiApp({
    tasker: engine.tasker,
    auth,
    dashboard: { refreshMs: options.refreshMs ?? 300 },
  });
  const server = createAdaptorServer({ fetch: api.app.fetch }) as Server;
  const port = await new Promise<number>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve((server.address() as AddressInfo).port));
  });
  return {
    ...engine,
    base: `http://127.0.0.1:${port}`,
    async startLiveWorker() {
      liveWorker ??= worker([LIVE_NAMESPACE]);
      await liveWorker;
    },
    async close() {
      api.dispose();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await engine.close();
    },
  };
}

export interface PageResponse {
  status: number;
  text: string;
  headers: Headers;
}

/** A request to the dashboard as a browser would make it (forms carry the page's Origin). */
export async function request(
  base: string,
  path: string,
  init: { method?: string; form?: Record<string, string>; headers?: Record<string, string> } = {},
): Promise<PageResponse> {
  const headers = new Headers(init.headers);
  let body: string | undefined;
  if (init.form) {
    headers.set("content-type", "application/x-www-form-urlencoded");
    if (!headers.has("origin")) headers.set("origin", base);
    body = new URLSearchParams(init.form).toString();
  }
  const res = await fetch(base + path, {
    method: init.method ?? (init.form ? "POST" : "GET"),
    headers,
    body,
    redirect: "manual",
  });
  return { status: res.status, text: await res.text(), headers: res.headers };
}

/** The states the DAG shows, by step name (read from the nodes' data attributes). */
export function dagStates(html: string): Record<string, string> {
  const svg = html.match(/<svg class="dag"[\s\S]*?<\/svg>/)?.[0] ?? "";
  return Object.fromEntries(
    [...svg.matchAll(/class="node [^"]*" (?:href="[^"]*" )?data-step="([^"]+)" data-state="([^"]+)"/g)].map(
      (m) => [m[1], m[2]],
    ),
  );
}
