// End to end in headless Chromium (Debian's `chromium`, driven by playwright-core): a running
// task's DAG turns complete live, a failed step is retried from the page and the task completes,
// errors are shown, keyboard and themes work. Screenshots go to test-artifacts/dashboard/.
import { existsSync, mkdirSync, rmSync } from "node:fs";
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { type Browser, chromium, type Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { TaskRequest } from "../../src/model/task-request.js";
import type { TaskResponse } from "../../src/model/task-response.js";
import {
  type DashboardHarness,
  LIVE_DIAMOND,
  LIVE_NAMESPACE,
  startDashboardHarness,
} from "./dashboard-harness.js";

const CHROMIUM = process.env.TASKER_CHROMIUM_PATH ?? "/usr/bin/chromium";
const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];
const ARTIFACTS = fileURLToPath(new URL("../../../../test-artifacts/dashboard/", import.meta.url));
const DOCS_IMAGE = fileURLToPath(new URL("../../../../docs/images/dashboard.png", import.meta.url));

describe("dashboard in Chromium", () => {
  let h: DashboardHarness;
  let browser: Browser;
  let page: Page;
  let problems: string[];
  /** Console errors a test provokes on purpose (htmx logs every error response it shows). */
  let expectedErrors: RegExp[];

  const create = async (context: Record<string, unknown>) =>
    (
      await h.tasker.client.createTask({
        name: "diamond",
        namespace: "test_alpha",
        version: "1.0.0",
        context,
      } as TaskRequest)
    ).task;
  const shot = (name: string) => page.screenshot({ path: `${ARTIFACTS}${name}.png`, fullPage: true });
  const node = (step: string) => page.locator(`svg.dag .node[data-step="${step}"]`);

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) {
      throw new Error(
        `Chromium is not at ${CHROMIUM}: install it (sudo scripts/services.sh chromium) or set TASKER_CHROMIUM_PATH`,
      );
    }
    // Fresh screenshots for every run (CI keeps test-artifacts/ as the run's artifacts).
    rmSync(ARTIFACTS, { recursive: true, force: true });
    mkdirSync(ARTIFACTS, { recursive: true });
    h = await startDashboardHarness("pglite", { refreshMs: 250 });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  });
  afterAll(async () => {
    await browser?.close();
    await h?.close();
  });
  beforeEach(async () => {
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    problems = [];
    expectedErrors = [];
    page.on("pageerror", (err) => problems.push(`page error: ${err.message}`));
    page.on("console", (msg) => {
      if (msg.type() === "error") problems.push(`console error: ${msg.text()}`);
    });
  });
  afterEach(async () => {
    await page?.close();
    // No script errors and no Content-Security-Policy violations on any page.
    expect(problems.filter((p) => !expectedErrors.some((e) => e.test(p)))).toEqual([]);
  });

  it("opens a running task and sees its DAG nodes turn complete, live", async () => {
    // No worker serves the live namespace yet: the page opens on a task that cannot move.
    const { task } = await h.tasker.client.createTask({
      name: "live_diamond",
      namespace: LIVE_NAMESPACE,
      version: "1.0.0",
      context: { sleep_ms: { validate_order: 300, charge_card: 2500, reserve_stock: 1200, ship_order: 300 } },
    } as TaskRequest);
    await page.goto(`${h.base}/ui/tasks/${task.task_uuid}`);
    await page.waitForSelector('svg.dag .node[data-step="validate_order"][data-state="enqueued"]');
    expect(await node("ship_order").getAttribute("data-state")).toBe("pending");
    expect(await page.locator("#live").getAttribute("hx-trigger")).toMatch(/^every \d+ms$/);
    await page.evaluate("window.stillThisPage = true");
    await shot("1-task-waiting-for-a-worker");

    await h.startLiveWorker();
    await page.waitForSelector('svg.dag .node[data-step="charge_card"][data-state="in_progress"]', {
      timeout: 20_000,
    });
    expect(await node("validate_order").getAttribute("data-state")).toBe("complete");
    await shot("2-task-running");
    if (process.env.TASKER_UPDATE_DOCS_SCREENSHOT === "1") {
      mkdirSync(dirname(DOCS_IMAGE), { recursive: true });
      await page.screenshot({ path: DOCS_IMAGE });
    }

    await page.waitForSelector('#live[data-task-status="complete"]', { timeout: 30_000 });
    for (const step of LIVE_DIAMOND.steps.map((s) => s.name)) {
      expect(await node(step).getAttribute("data-state")).toBe("complete");
    }
    // Updated in place by the live refresh, not by reloading the page; a finished task stops asking.
    expect(await page.evaluate("window.stillThisPage")).toBe(true);
    expect(await page.locator("#live").getAttribute("hx-trigger")).toBeNull();
    await shot("3-task-complete");
  });

  it("draws a decision's branches as not created yet, then the one it did not take as not taken, live", async () => {
    await h.startLiveWorker();
    const { task } = await h.tasker.client.createTask({
      name: "live_approval",
      namespace: LIVE_NAMESPACE,
      version: "1.0.0",
      context: { route: "adjuster_review", sleep_ms: { route_claim: 2500 } },
    } as TaskRequest);
    await page.goto(`${h.base}/ui/tasks/${task.task_uuid}`);
    await page.waitForSelector('svg.dag .node[data-step="route_claim"][data-state="in_progress"]', {
      timeout: 20_000,
    });
    for (const step of ["auto_pay", "adjuster_review", "settle"]) {
      expect(await node(step).getAttribute("class")).toContain("absent presence-not_yet_created");
    }
    await expect.poll(() => page.locator("svg.dag .edge.possible").count()).toBeGreaterThanOrEqual(4);
    await page.evaluate("window.stillThisPage = true");
    await shot("4-decision-undecided");

    await page.waitForSelector('#live[data-task-status="complete"]', { timeout: 30_000 });
    expect(await node("adjuster_review").getAttribute("data-state")).toBe("complete");
    expect(await node("settle").getAttribute("data-state")).toBe("complete");
    expect(await node("auto_pay").getAttribute("class")).toContain("absent presence-not_taken");
    expect(await node("auto_pay").locator(".node-detail").textContent()).toBe("not taken");
    expect(await page.locator(".legend").textContent()).toContain("not taken");
    expect(await page.evaluate("window.stillThisPage")).toBe(true);
    await shot("5-decision-branch-not-taken");
  });

  it("retries a failed step from the page and watches the task complete", async () => {
    const failed = await h.tasker.client.waitForTask(
      (await create({ fail: { c: { mode: "permanent", times: 1 } }, sleep_ms: { d: 400 } })).task_uuid,
      { timeoutMs: 20_000 },
    );
    expect(failed.status).toBe("error");
    const a = failed.steps.find((s) => s.name === "a")!;
    await page.goto(`${h.base}/ui/tasks/${failed.task_uuid}?step=${a.workflow_step_uuid}`);
    expect(await page.locator("#step-panel").getAttribute("data-step")).toBe("a");
    expect(await node("c").getAttribute("data-state")).toBe("error");

    await node("c").click();
    await page.waitForSelector('#step-panel[data-step="c"]');
    expect(page.url()).toContain(`step=${failed.steps.find((s) => s.name === "c")!.workflow_step_uuid}`);
    await expect.poll(() => page.locator("#step-panel").textContent()).toContain("c refused");
    await shot("4-failed-step");

    await page.fill(
      '#step-panel textarea[name="reason"]',
      "the refusal was fixed; retrying from the e2e test",
    );
    const dialog = page.waitForEvent("dialog");
    const click = page.click('button[data-action="reset_for_retry"]');
    const confirm = await dialog;
    expect(confirm.message()).toContain('Retry step "c"?');
    await confirm.accept();
    await click;

    await page.waitForSelector(".notice-ok");
    expect(await page.locator(".notice-ok").textContent()).toContain(
      "Step c: The step was reset and will run again.",
    );
    await page.waitForSelector('#live[data-task-status="complete"]', { timeout: 20_000 });
    expect(await node("c").getAttribute("data-state")).toBe("complete");
    expect(await node("d").getAttribute("data-state")).toBe("complete");
    await shot("5-retried-and-complete");
    expect((await h.tasker.client.getTask(failed.task_uuid)).status).toBe("complete");
  });

  it("does not refresh away a reason being typed, and catches up afterwards", async () => {
    const task = await create({ sleep_ms: { a: 4000 } });
    await page.goto(`${h.base}/ui/tasks/${task.task_uuid}`);
    await page.fill("#cancel-reason", "half-written reason");
    // The task finishes meanwhile; the page keeps the form as it is.
    expect((await h.tasker.client.waitForTask(task.task_uuid, { timeoutMs: 20_000 })).status).toBe(
      "complete",
    );
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect(await page.inputValue("#cancel-reason")).toBe("half-written reason");
    expect(await page.locator("#live").getAttribute("data-task-status")).not.toBe("complete");

    await page.fill("#cancel-reason", "");
    await page.focus("#node-a");
    await page.waitForSelector('#live[data-task-status="complete"]', { timeout: 20_000 });
  });

  it("asks for a reason before confirming, and shows an action's error clearly", async () => {
    const failed: TaskResponse = await h.tasker.client.waitForTask(
      (await create({ fail: { c: { mode: "permanent" } } })).task_uuid,
      { timeoutMs: 20_000 },
    );
    await page.goto(`${h.base}/ui/tasks/${failed.task_uuid}`);
    expectedErrors = [/status of 400 \(Bad Request\)/, /Response Status Error Code 400 from \/ui\/tasks\//];
    let dialogs = 0;
    page.on("dialog", (d) => {
      dialogs++;
      void d.accept();
    });

    // No reason: the browser's own validation stops it before any confirmation or request.
    await page.click('button[data-action="resolve_manually"]');
    expect(await page.evaluate(`document.querySelector('textarea[name="reason"]').validity.valid`)).toBe(
      false,
    );
    expect(dialogs).toBe(0);

    await page.fill('textarea[name="reason"]', "complete it by hand");
    await page.click(".step-actions details summary");
    await page.fill('textarea[name="result"]', "{not json");
    await page.click('button[data-action="complete_manually"]');
    await page.waitForSelector(".notice-error");
    expect(dialogs).toBe(1);
    expect(await page.locator(".notice-error").textContent()).toContain("result: not valid JSON");
    expect(await page.locator("#live").getAttribute("data-task-status")).toBe("error");
    await shot("6-action-error");

    await page.click(".notice-error [data-dismiss]");
    expect(await page.locator(".notice-error").count()).toBe(0);
  });

  it("works from the keyboard, in both themes", async () => {
    const task = await h.tasker.client.waitForTask((await create({})).task_uuid, { timeoutMs: 20_000 });
    await page.goto(`${h.base}/ui/tasks`);
    await page.keyboard.press("/");
    expect(await page.evaluate('document.activeElement?.getAttribute("name")')).toBe("q");
    await page.keyboard.type(task.task_uuid);
    await page.keyboard.press("Enter");
    await page.waitForURL(/q=/);
    expect(await page.locator("tr[data-task]").count()).toBe(1);

    await page.click(`tr[data-task="${task.task_uuid}"] a`);
    await page.waitForSelector("svg.dag");
    // A node is a link: focus it and press Enter to see that step.
    await page.focus("#node-b");
    await page.keyboard.press("Enter");
    await page.waitForSelector('#step-panel[data-step="b"]');
    expect(await page.evaluate("document.activeElement?.id")).toBe("node-b");

    const theme = () => page.evaluate("document.documentElement.dataset.theme");
    const before = await theme();
    await page.keyboard.press("t");
    const after = await theme();
    expect(after).not.toBe(before);
    await page.reload();
    expect(await theme()).toBe(after);
    if (after !== "dark") await page.keyboard.press("t");
    await shot("7-task-dark");

    await page.keyboard.press("g");
    await page.keyboard.press("q");
    await page.waitForURL(/\/ui\/queues$/);
    await page.waitForSelector('tr[data-namespace="test_alpha"]');
    await shot("8-queues-dark");
  });

  it("shows a template's DAG and settings", async () => {
    await page.goto(`${h.base}/ui/templates`);
    await page.click('a[href="/ui/templates/test_alpha/fanout/1.0.0"]');
    await page.waitForSelector("svg.dag");
    expect(await page.locator("svg.dag .node").count()).toBe(6);
    expect(await page.locator("svg.dag .edge").count()).toBe(7);
    await shot("9-template");
  });
});
