// The dashboard's pages, fragments, forms and JSON over real HTTP, mounted on the API app, against
// the real engine on each backend.
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ErrorEnvelopeSchema } from "../../src/model/errors.js";
import type { TaskRequest } from "../../src/model/task-request.js";
import type { TaskResponse } from "../../src/model/task-response.js";
import { testBackends } from "../../src/testing/index.js";
import { QueueOverviewSchema, WorkerListSchema } from "../../src/ui/data/queue-overview.js";
import {
  type DashboardHarness,
  dagStates,
  LIVE_DIAMOND,
  LIVE_NAMESPACE,
  request,
  startDashboardHarness,
} from "./dashboard-harness.js";

const DIAMOND = { name: "diamond", namespace: "test_alpha", version: "1.0.0" };
const FAIL_C_ONCE = { fail: { c: { mode: "permanent", times: 1 } } };

describe.each(testBackends())("dashboard on %s", (backend) => {
  let h: DashboardHarness;
  const create = async (extra: Partial<TaskRequest> & { context?: Record<string, unknown> } = {}) =>
    (await h.tasker.client.createTask({ ...DIAMOND, context: {}, ...extra } as TaskRequest)).task;
  const finished = (task: TaskResponse) => h.tasker.client.waitForTask(task.task_uuid, { timeoutMs: 20_000 });

  beforeAll(async () => {
    h = await startDashboardHarness(backend);
  });
  afterAll(async () => {
    await h?.close();
  });

  describe("task list", () => {
    let done: TaskResponse;
    let failed: TaskResponse;
    beforeAll(async () => {
      done = await finished(await create({ correlation_id: `list-ok-${randomUUID()}` }));
      failed = await finished(
        await create({ context: FAIL_C_ONCE, correlation_id: `list-bad-${randomUUID()}` }),
      );
    });

    it("redirects the root to the task list", async () => {
      const res = await request(h.base, "/ui");
      expect(res.status).toBe(302);
      expect(res.headers.get("location")).toBe("/ui/tasks");
    });

    it("lists tasks newest first with counts per status", async () => {
      const res = await request(h.base, "/ui/tasks");
      expect(res.status).toBe(200);
      expect(res.headers.get("content-type")).toContain("text/html");
      const rows = [...res.text.matchAll(/<tr data-task="([^"]+)">/g)].map((m) => m[1]);
      expect(rows.indexOf(failed.task_uuid)).toBeLessThan(rows.indexOf(done.task_uuid));
      expect(res.text).toMatch(
        /class="chip state-error[^"]*"[^>]*><span>error<\/span> <strong>[1-9]\d*<\/strong>/,
      );
      expect(res.text).toMatch(/class="chip state-complete[^"]*"[^>]*><span>complete<\/span>/);
    });

    it("filters by status, template, namespace and time, and finds a task by uuid or correlation id", async () => {
      const only = async (query: string) => {
        const res = await request(h.base, `/ui/tasks${query}`);
        expect(res.status).toBe(200);
        return [...res.text.matchAll(/<tr data-task="([^"]+)">/g)].map((m) => m[1]);
      };
      expect(await only("?status=error")).toContain(failed.task_uuid);
      expect(await only("?status=error")).not.toContain(done.task_uuid);
      expect(await only("?template=test_alpha/diamond&period=15m")).toEqual(
        expect.arrayContaining([done.task_uuid, failed.task_uuid]),
      );
      expect(await only("?namespace=test_beta")).toEqual([]);
      expect(await only(`?q=${failed.task_uuid}`)).toEqual([failed.task_uuid]);
      expect(await only(`?q=${done.correlation_id}`)).toEqual([done.task_uuid]);
    });

    it("pages through the list", async () => {
      for (let i = 0; i < 3; i++) await create({ context: { sleep_ms: { a: 1 } } });
      const first = await request(h.base, "/ui/tasks?limit=25");
      const total = Number(first.text.match(/1–\d+ of (\d+)/)?.[1]);
      expect(total).toBeGreaterThanOrEqual(5);
      const last = await request(h.base, `/ui/tasks?offset=${total - 1}`);
      expect([...last.text.matchAll(/<tr data-task=/g)]).toHaveLength(1);
      expect(last.text).toContain('rel="prev"');
      expect(last.text).not.toContain('rel="next"');
    });

    it("reports a bad filter (400) and still shows the list", async () => {
      const res = await request(h.base, "/ui/tasks?status=exploded&limit=7");
      expect(res.status).toBe(400);
      expect(res.text).toContain("Filter ignored: status: must be one of: pending,");
      expect(res.text).toContain("Filter ignored: limit: must be one of: 25, 50, 100");
      expect(res.text).toContain(`<tr data-task="${failed.task_uuid}">`);
    });

    it("serves just the results for in-place refreshes", async () => {
      const res = await request(h.base, "/ui/tasks?status=error&partial=results", {
        headers: { "HX-Request": "true" },
      });
      expect(res.text.startsWith('<section id="results"')).toBe(true);
      expect(res.text).toContain('hx-get="/ui/tasks?status=error&amp;partial=results"');
      expect(res.text).not.toContain("<html");
    });
  });

  describe("task page", () => {
    it("draws the DAG with every step's state, the timeline and the context", async () => {
      const task = await finished(await create({ context: { note: "<b>escaped</b>" } }));
      const res = await request(h.base, `/ui/tasks/${task.task_uuid}`);
      expect(res.status).toBe(200);
      expect(dagStates(res.text)).toEqual({ a: "complete", b: "complete", c: "complete", d: "complete" });
      expect(res.text.match(/<path class="edge /g)).toHaveLength(4);
      expect(res.text).toContain('data-task-status="complete"');
      // A finished task does not poll.
      expect(res.text).not.toMatch(/id="live"[^>]*hx-trigger/);
      expect(res.text).toMatch(
        /→ <span class="badge state-complete" data-state="complete">complete<\/span><\/span> <code class="small">complete<\/code>/,
      );
      expect(res.text).toContain("&lt;b&gt;escaped&lt;/b&gt;");
      expect(res.text).not.toContain("<b>escaped</b>");
    });

    it("shows a step's attempts, result and error when picked, and the failed step by default", async () => {
      const task = await finished(await create({ context: FAIL_C_ONCE }));
      expect(task.status).toBe("error");
      const page = await request(h.base, `/ui/tasks/${task.task_uuid}`);
      expect(page.text).toMatch(/<aside id="step-panel"[^>]*data-step="c" data-state="error"/);
      expect(page.text).toContain("c refused");
      expect(page.text).toContain('<span class="outcome outcome-failed">failed</span>');
      expect(page.text).toContain('data-action="reset_for_retry"');

      const a = task.steps.find((s) => s.name === "a")!;
      const picked = await request(h.base, `/ui/tasks/${task.task_uuid}?step=${a.workflow_step_uuid}`);
      expect(picked.text).toMatch(/<aside id="step-panel"[^>]*data-step="a" data-state="complete"/);
      expect(picked.text).toContain("&quot;step&quot;: &quot;a&quot;");
      expect(picked.text).toMatch(/<a id="node-a" class="node state-complete selected"/);

      const missing = await request(h.base, `/ui/tasks/${task.task_uuid}?step=nope`);
      expect(missing.text).toContain("This task has no step &quot;nope&quot;");
    });

    it("answers 204 to a refresh while nothing changed, and the new state once it has", async () => {
      // No worker serves the live namespace yet, so the task holds still between the requests.
      const { task } = await h.tasker.client.createTask({
        name: LIVE_DIAMOND.name,
        namespace: LIVE_NAMESPACE,
        version: "1.0.0",
        context: {},
      } as TaskRequest);
      const first = await request(h.base, `/ui/tasks/${task.task_uuid}/live`);
      expect(first.status).toBe(200);
      expect(first.text).toMatch(
        /^<div id="live"[^>]*hx-get="\/ui\/tasks\/[^"]+\/live\?v=[^"]+" hx-trigger="every 300ms"/,
      );
      const v = first.text.match(/data-fingerprint="([^"]+)"/)![1]!;
      expect((await request(h.base, `/ui/tasks/${task.task_uuid}/live?v=${v}`)).status).toBe(204);
      await h.startLiveWorker();
      await finished(task);
      const later = await request(h.base, `/ui/tasks/${task.task_uuid}/live?v=${v}`);
      expect(later.status).toBe(200);
      expect(Object.values(dagStates(later.text))).toEqual(["complete", "complete", "complete", "complete"]);
    });

    it("says clearly when a task does not exist or the id is malformed", async () => {
      const missing = await request(h.base, `/ui/tasks/${randomUUID()}`);
      expect(missing.status).toBe(404);
      expect(missing.text).toMatch(/Task [0-9a-f-]{36} was not found; check the id/);
      const bad = await request(h.base, "/ui/tasks/not-a-uuid");
      expect(bad.status).toBe(400);
      expect(bad.text).toContain("task_uuid");
      const htmx = await request(h.base, `/ui/tasks/${randomUUID()}/live`, {
        headers: { "HX-Request": "true" },
      });
      expect(htmx.status).toBe(404);
      expect(htmx.headers.get("hx-reswap")).toBe("none");
      expect(htmx.text).toContain('hx-swap-oob="true"');
    });
  });

  describe("operator actions", () => {
    const stepOf = (task: TaskResponse, name: string) => task.steps.find((s) => s.name === name)!;
    const actionPath = (task: TaskResponse, name: string) =>
      `/ui/tasks/${task.task_uuid}/steps/${stepOf(task, name).workflow_step_uuid}/action`;

    it("retries a failed step (htmx) and the task completes, with the reason in the audit", async () => {
      const task = await finished(await create({ context: FAIL_C_ONCE }));
      const res = await request(h.base, actionPath(task, "c"), {
        form: { action_type: "reset_for_retry", reason: "the refusal was fixed" },
        headers: { "HX-Request": "true" },
      });
      expect(res.status).toBe(200);
      expect(res.text.startsWith('<div id="live"')).toBe(true);
      expect(res.text).toContain('<div id="notices" class="notices" aria-live="polite" hx-swap-oob="true">');
      expect(res.text).toContain("Step c: The step was reset and will run again.");
      expect((await finished(task)).status).toBe("complete");
      const audit = await h.tasker.client.getStepAudit(task.task_uuid, stepOf(task, "c").workflow_step_uuid);
      expect(audit.find((t) => t.event === "reset_for_retry")?.metadata).toMatchObject({
        reason: "the refusal was fixed",
        by: "anyone (auth is off) (dashboard)",
        manual: true,
      });
    });

    it("completes a step with a JSON result (plain form post) that its dependants receive", async () => {
      const task = await finished(await create({ context: FAIL_C_ONCE }));
      const res = await request(h.base, actionPath(task, "c"), {
        form: { action_type: "complete_manually", reason: "done by hand", result: '{"by_hand": true}' },
      });
      expect(res.status).toBe(303);
      expect(res.headers.get("location")).toBe(
        `/ui/tasks/${task.task_uuid}?step=${stepOf(task, "c").workflow_step_uuid}&done=complete_manually`,
      );
      const end = await finished(task);
      expect(end.status).toBe("complete");
      expect(stepOf(end, "c").results).toEqual({ by_hand: true });
      const page = await request(h.base, res.headers.get("location")!);
      expect(page.text).toContain("The step was completed with the given result.");
    });

    it("refuses bad forms with a message naming the field, and actions the state does not allow", async () => {
      const task = await finished(await create({ context: FAIL_C_ONCE }));
      const noReason = await request(h.base, actionPath(task, "c"), {
        form: { action_type: "resolve_manually", reason: "  " },
        headers: { "HX-Request": "true" },
      });
      expect(noReason.status).toBe(400);
      expect(noReason.text).toContain("reason: write why you are changing this step");
      const badJson = await request(h.base, actionPath(task, "c"), {
        form: { action_type: "complete_manually", reason: "x", result: "{oops" },
      });
      expect(badJson.status).toBe(400);
      expect(badJson.text).toContain("result: not valid JSON");
      const wrongState = await request(h.base, actionPath(task, "a"), {
        form: { action_type: "reset_for_retry", reason: "again" },
        headers: { "HX-Request": "true" },
      });
      expect(wrongState.status).toBe(409);
      expect(wrongState.text).toContain("step a is complete; reset_for_retry is only allowed from error");
      expect((await h.tasker.client.getTask(task.task_uuid)).status).toBe("error");
    });

    it("cancels a running task", async () => {
      const task = await create({ context: { sleep_ms: { a: 4000 } } });
      const res = await request(h.base, `/ui/tasks/${task.task_uuid}/cancel`, {
        form: { reason: "not needed" },
        headers: { "HX-Request": "true" },
      });
      expect(res.status).toBe(200);
      expect(res.text).toContain('data-task-status="cancelled"');
      const again = await request(h.base, `/ui/tasks/${task.task_uuid}/cancel`, { form: {} });
      expect(again.status).toBe(409);
      expect(again.text).toContain("is already cancelled; only unfinished tasks can be cancelled");
    });

    it("rejects forms posted from another site", async () => {
      const task = await finished(await create({ context: FAIL_C_ONCE }));
      const res = await request(h.base, actionPath(task, "c"), {
        form: { action_type: "resolve_manually", reason: "csrf" },
        headers: { origin: "https://evil.example" },
      });
      expect(res.status).toBe(403);
      expect(res.text).toContain("only accepts forms posted from its own pages");
      expect((await h.tasker.client.getTask(task.task_uuid)).status).toBe("error");
    });
  });

  describe("templates", () => {
    it("lists templates and shows one with its DAG, retry and timeout settings", async () => {
      const list = await request(h.base, "/ui/templates");
      expect(list.text).toContain('href="/ui/templates/test_alpha/fanout/1.0.0"');
      const detail = await request(h.base, "/ui/templates/test_alpha/retrying/1.0.0");
      expect(detail.status).toBe(200);
      expect(Object.keys(dagStates(detail.text)).sort()).toEqual(["a", "b"]);
      expect(detail.text).toContain("up to 2 attempts");
      expect(detail.text).toContain("exponential: 50 ms, doubling, at most 200 ms");
      expect(detail.text).toContain("<td>500 ms</td>");
    });

    it("names the registered versions when a version is unknown", async () => {
      const res = await request(h.base, "/ui/templates/test_alpha/diamond/9.9.9");
      expect(res.status).toBe(404);
      expect(res.text).toContain("test_alpha/diamond has no version 9.9.9; registered versions: 1.0.0.");
    });
  });

  describe("queues and workers", () => {
    it("shows each namespace's queue and the live workers, as a page and as JSON", async () => {
      const page = await request(h.base, "/ui/queues");
      expect(page.status).toBe(200);
      expect(page.text).toContain('<tr data-namespace="test_alpha">');
      expect(page.text).toMatch(/<span class="badge worker-running">running<\/span>/);

      const queues = QueueOverviewSchema.parse(JSON.parse((await request(h.base, "/ui/api/queues")).text));
      expect(queues.namespaces.find((n) => n.namespace === "test_alpha")).toMatchObject({
        queue: "worker_test_alpha_queue",
        live_workers: 1,
      });
      expect(queues.orchestration.queue).toBe("orchestration_step_results");
      expect(queues.transport).toBe("postgres");
      const workers = WorkerListSchema.parse(JSON.parse((await request(h.base, "/ui/api/workers")).text));
      const alpha = workers.workers.filter(
        (w) => w.state === "running" && w.namespaces.includes("test_alpha"),
      );
      expect(alpha).toHaveLength(1);
      expect(alpha[0]!.namespaces).toEqual(["test_alpha", "test_beta"]);
    });

    it("counts ready, delayed and in-flight messages", async () => {
      await h.tasker.database.query(
        `INSERT INTO tasker.queue_messages (queue_name, message, enqueued_at, visible_at, read_count) VALUES
           ('worker_ui_probe_queue', '{}', now() - interval '30 seconds', now() - interval '1 second', 0),
           ('worker_ui_probe_queue', '{}', now(), now() + interval '1 hour', 0),
           ('worker_ui_probe_queue', '{}', now(), now() + interval '1 hour', 1)`,
      );
      const queues = QueueOverviewSchema.parse(JSON.parse((await request(h.base, "/ui/api/queues")).text));
      const probe = queues.namespaces.find((n) => n.namespace === "ui_probe")!;
      expect(probe).toMatchObject({ depth: 3, ready: 1, delayed: 1, in_flight: 1, live_workers: 0 });
      expect(probe.oldest_age_seconds).toBeGreaterThanOrEqual(29);
      await h.tasker.database.query(
        "DELETE FROM tasker.queue_messages WHERE queue_name = 'worker_ui_probe_queue'",
      );
    });

    it("returns a task's transitions as JSON, with the API's errors", async () => {
      const task = await finished(await create());
      const res = await request(h.base, `/ui/api/tasks/${task.task_uuid}/transitions`);
      const body = JSON.parse(res.text) as { transitions: { to_state: string }[] };
      expect(body.transitions.at(-1)?.to_state).toBe("complete");
      const missing = await request(h.base, `/ui/api/tasks/${randomUUID()}/transitions`);
      expect(missing.status).toBe(404);
      expect(ErrorEnvelopeSchema.parse(JSON.parse(missing.text)).error.code).toBe("NOT_FOUND");
    });
  });

  describe("assets and unknown pages", () => {
    it("serves versioned assets with long caching and revalidation", async () => {
      const page = await request(h.base, "/ui/tasks");
      const cssUrl = page.text.match(/href="(\/ui\/assets\/dashboard\.css\?v=[0-9a-f]+)"/)![1]!;
      const css = await request(h.base, cssUrl);
      expect(css.status).toBe(200);
      expect(css.headers.get("content-type")).toBe("text/css; charset=utf-8");
      expect(css.headers.get("cache-control")).toContain("immutable");
      const etag = css.headers.get("etag")!;
      expect(
        (await request(h.base, "/ui/assets/dashboard.css", { headers: { "If-None-Match": etag } })).status,
      ).toBe(304);
      const htmx = await request(h.base, "/ui/assets/vendor/htmx.min.js");
      expect(htmx.text).toContain("htmx");
      const missing = await request(h.base, "/ui/assets/../package.json");
      expect(missing.status).toBe(404);
    });

    it("sends security headers and a helpful 404", async () => {
      const res = await request(h.base, "/ui/nowhere");
      expect(res.status).toBe(404);
      expect(res.text).toContain("The dashboard has no page at /ui/nowhere");
      expect(res.headers.get("content-security-policy")).toContain("frame-ancestors 'none'");
      expect(res.headers.get("x-frame-options")).toBe("DENY");
    });

    it("leaves the /v1 API as it is", async () => {
      const res = await fetch(`${h.base}/v1/templates`);
      expect(res.status).toBe(200);
      expect(((await res.json()) as { total: number }).total).toBeGreaterThan(0);
    });
  });
});
