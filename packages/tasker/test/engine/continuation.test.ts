// A worker that finishes a step claims a step its result made ready in the same transaction and
// runs it next (see ContinueWith in lifecycle/store-outcomes.ts). These tests pin down what that means
// in the history, and that a continued step, which has no queue message, is never stranded.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testBackends } from "../../src/testing/index.js";
import { defineHandler } from "../../src/worker/handler.js";
import { type Harness, STEP_NAMES, startHarness } from "../support/engine-harness.js";

describe.each(testBackends())("a worker continuing with the next step on %s", (backend) => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness(backend, { worker: false });
  });
  afterAll(async () => {
    await h?.close();
  });

  it("runs a chain in one slot: every later step is claimed as it becomes ready, none from the queue", async () => {
    const worker = await h.tasker.startWorker({ handlers: h.handlers, pollIntervalMs: 100, concurrency: 1 });
    try {
      const { task } = await h.tasker.client.createTask({ name: "linear5", namespace: "test_alpha" });
      const done = await h.tasker.client.waitForTask(task.task_uuid, { timeoutMs: 20_000 });
      expect(done.status).toBe("complete");
      for (const step of done.steps) {
        const audit = await h.tasker.client.getStepAudit(done.task_uuid, step.workflow_step_uuid);
        expect(audit.map((t) => t.event)).toEqual(["create", "enqueue", "claim", "succeed", "complete"]);
        const claim = audit.find((t) => t.event === "claim")!;
        // The root is claimed by the creation (the worker is in this process; on the queue tables,
        // see claim-at-creation.test.ts) or read from the queue; each later step is continued.
        const root = h.tasker.transport.kind === "postgres" ? { at_creation: true } : {};
        expect(claim.metadata).toMatchObject({
          worker_id: worker.workerId,
          ...(step.name === "a" ? root : { continued: true }),
        });
        if (step.name === "a") expect(claim.metadata).not.toHaveProperty("continued");
      }
      // Each step saw all of its ancestors' results.
      const e = done.steps.find((s) => s.name === "e")!;
      expect((e.results as { saw: string[] }).saw).toEqual(["a", "b", "c", "d"]);
    } finally {
      await worker.stop();
    }
  });

  it("gives a continued step its ancestors' results as they read from the database, whatever the handlers did to theirs", async () => {
    // Each handler records what it was given (as JSON text: key order included), then scribbles on
    // it; its result's keys are not in the order jsonb keeps them.
    const given = new Map<string, string>();
    const inputs = new Map<string, string>();
    const handlers = STEP_NAMES.map((name) =>
      defineHandler(`test.${name}`, {}, async (ctx) => {
        given.set(name, JSON.stringify(ctx.dependencyResults));
        inputs.set(name, JSON.stringify(ctx.input));
        for (const value of Object.values(ctx.dependencyResults))
          (value as Record<string, unknown>).changed = name;
        return { zz_step: name, list: [{ y: 1, b: 2 }], a: true };
      }),
    );
    const worker = await h.tasker.startWorker({ handlers, pollIntervalMs: 100, concurrency: 1 });
    try {
      // A context whose keys are not in jsonb order, with a date: the root is claimed at creation
      // (the worker is in this process), every later step continued.
      const context = { zz: 1, at: new Date(0), a: { y: 1, b: 2 } };
      const { task } = await h.tasker.client.createTask({
        name: "linear5",
        namespace: "test_alpha",
        context,
      });
      const done = await h.tasker.client.waitForTask(task.task_uuid, { timeoutMs: 20_000 });
      expect(done.status).toBe("complete");
      const [stored] = await h.tasker.database.query<{ context: unknown }>(
        "SELECT context FROM tasker.tasks WHERE task_uuid = $1",
        [task.task_uuid],
      );
      for (const name of ["a", "b", "c", "d", "e"])
        expect(inputs.get(name)).toBe(JSON.stringify(stored?.context));
      // What the database returns for the ancestors, in their order: what each step must have seen.
      const [row] = await h.tasker.database.query<{ d: unknown }>(
        `SELECT jsonb_object_agg(name, results) AS d FROM tasker.workflow_steps
          WHERE task_uuid = $1 AND name IN ('a', 'b', 'c', 'd')`,
        [task.task_uuid],
      );
      expect(given.get("e")).toBe(JSON.stringify(row?.d));
      expect(given.get("e")).not.toContain("changed");
      expect(JSON.parse(given.get("c") ?? "null")).toEqual({
        a: { a: true, list: [{ b: 2, y: 1 }], zz_step: "a" },
        b: { a: true, list: [{ b: 2, y: 1 }], zz_step: "b" },
      });
    } finally {
      await worker.stop();
    }
  });

  it("hands a continued step back with a new message when its worker stops, and another worker finishes it", async () => {
    const first = await h.tasker.startWorker({
      handlers: h.handlers,
      pollIntervalMs: 100,
      concurrency: 1,
      shutdownTimeoutMs: 200,
    });
    const { task } = await h.tasker.client.createTask({
      name: "linear5",
      namespace: "test_alpha",
      context: { sleep_ms: { c: 5000 } },
    });
    // c is continued from b, then the worker stops while it runs.
    await expect
      .poll(
        async () =>
          (await h.tasker.client.getTask(task.task_uuid)).steps.find((s) => s.name === "c")?.current_state,
        {
          timeout: 15_000,
        },
      )
      .toBe("in_progress");
    await first.stop();
    const c = (await h.tasker.client.getTask(task.task_uuid)).steps.find((s) => s.name === "c")!;
    expect(c.current_state).toBe("enqueued");

    const second = await h.tasker.startWorker({ handlers: h.handlers, pollIntervalMs: 100 });
    try {
      const done = await h.tasker.client.waitForTask(task.task_uuid, { timeoutMs: 30_000 });
      expect(done.status).toBe("complete");
      const audit = await h.tasker.client.getStepAudit(done.task_uuid, c.workflow_step_uuid);
      expect(audit.map((t) => t.event)).toEqual([
        "create",
        "enqueue",
        "claim",
        "claim_expired",
        "claim",
        "succeed",
        "complete",
      ]);
      expect(audit[2]!.metadata).toMatchObject({ worker_id: first.workerId, continued: true });
      expect(audit[4]!.metadata).toMatchObject({ worker_id: second.workerId });
      // The released attempt does not count against max_attempts.
      expect(done.steps.find((s) => s.name === "c")!.attempts).toBe(1);
    } finally {
      await second.stop();
    }
  });
});
