// The engine's dashboard on this app's workflows that change shape at run time, through HTTP:
// a refund's task page draws the approval branch not taken, a bulk import's page draws its batch
// instances as one node. With TASKER_UPDATE_DOCS_SCREENSHOT=1 it also photographs both DAGs in
// headless Chromium (as the dashboard's own tests do) into docs/images/ for docs/templates.md.
import { existsSync, mkdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { testBackends } from "@tasker-ts/tasker/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestApp, type TestApp } from "./support/app-harness.js";
import { waitForTaskCompletion } from "./support/orchestration.js";

const CHROMIUM = process.env.TASKER_CHROMIUM_PATH ?? "/usr/bin/chromium";
const DOCS_IMAGES = fileURLToPath(new URL("../../../docs/images/", import.meta.url));
const SCREENSHOTS = process.env.TASKER_UPDATE_DOCS_SCREENSHOT === "1";

/** The DAG's nodes as name -> state, and the classes each carries. */
function dagNodes(html: string): Record<string, { state: string; classes: string }> {
  const svg = html.match(/<svg class="dag"[\s\S]*?<\/svg>/)?.[0] ?? "";
  return Object.fromEntries(
    [...svg.matchAll(/class="node ([^"]*)" (?:href="[^"]*" )?data-step="([^"]+)" data-state="([^"]+)"/g)].map(
      (m) => [m[2], { state: m[3] as string, classes: m[1] as string }],
    ),
  );
}

describe.each(testBackends())("dashboard DAG of the app's run-time workflows on %s", (backend) => {
  let t: TestApp;
  const pages: Record<string, string> = {};
  beforeAll(async () => {
    t = await startTestApp(backend, { namespaces: ["approvals", "imports"] });
  }, 120_000);
  afterAll(async () => {
    await t?.close();
  });

  const page = async (taskUuid: string) => {
    const res = await fetch(`${t.orchestrationUrl}/ui/tasks/${taskUuid}`);
    expect(res.status).toBe(200);
    return res.text();
  };

  it("draws a large refund's task with auto_approve faded as not taken", async () => {
    const created = await t.request("POST", "/refunds", { order_ref: "ORD-2001", amount: 750 });
    expect(created.status).toBe(201);
    await waitForTaskCompletion(t.orchestrationUrl, created.body.task_uuid);
    pages.refund = created.body.task_uuid;
    const nodes = dagNodes(await page(created.body.task_uuid));
    expect(Object.keys(nodes).sort()).toEqual([
      "auto_approve",
      "manager_approval",
      "record_outcome",
      "route_refund",
      "validate_refund",
    ]);
    expect(nodes.auto_approve).toEqual({
      state: "absent",
      classes: "state-absent absent presence-not_taken",
    });
    expect(nodes.manager_approval?.state).toBe("complete");
    expect(nodes.route_refund?.classes).toContain("type-decision");
    expect(nodes.record_outcome?.classes).toContain("type-deferred_convergence");
  });

  it("draws an import's 13 batch instances as one node", async () => {
    const created = await t.request("POST", "/imports", { batch_size: 2 });
    expect(created.status).toBe(201);
    await waitForTaskCompletion(t.orchestrationUrl, created.body.task_uuid);
    pages.import = created.body.task_uuid;
    const html = await page(created.body.task_uuid);
    expect(Object.keys(dagNodes(html)).sort()).toEqual(["import_batch", "plan_import", "summarize_import"]);
    expect(html).toContain("import_batch ×13");
  });

  it.runIf(SCREENSHOTS && backend === "pglite")("photographs both DAGs for the docs", async () => {
    expect(existsSync(CHROMIUM), `Chromium is not at ${CHROMIUM}`).toBe(true);
    const { chromium } = await import("playwright-core");
    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run"],
    });
    try {
      mkdirSync(DOCS_IMAGES, { recursive: true });
      const tab = await browser.newPage({ viewport: { width: 1280, height: 900 }, deviceScaleFactor: 1 });
      for (const [name, uuid] of Object.entries({
        "refund-approval-dag": pages.refund,
        "sales-import-dag": pages.import,
      })) {
        await tab.goto(`${t.orchestrationUrl}/ui/tasks/${uuid}`);
        await tab.waitForSelector('#live[data-task-status="complete"]');
        await tab.locator("section.dag-card").screenshot({ path: `${DOCS_IMAGES}${name}.png` });
      }
    } finally {
      await browser.close();
    }
  });
});
