import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type LifecycleEvent, TASK_COMPLETED } from "../../src/index.js";
import { testBackends } from "../../src/testing/index.js";
import { type Harness, overlaps, startHarness } from "../support/engine-harness.js";

describe.each(testBackends())("workflows complete on %s", (backend) => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness(backend);
  });
  afterAll(async () => {
    await h?.close();
  });

  const run = async (name: string, namespace: string, context: Record<string, unknown> = {}) => {
    const { task } = await h.tasker.client.createTask({ name, namespace, context });
    return h.tasker.client.waitForTask(task.task_uuid, { timeoutMs: 20_000 });
  };

  it("runs a linear chain in dependency order and passes ancestor results", async () => {
    const task = await run("linear5", "test_alpha");
    expect(task.status).toBe("complete");
    expect(task.completion_percentage).toBe(100);
    expect(task.completed_steps).toBe(5);
    expect(task.steps.map((s) => s.current_state)).toEqual(Array(5).fill("complete"));
    const runs = h.executions.filter((e) => e.task === task.task_uuid);
    expect(runs.map((e) => e.step)).toEqual(["a", "b", "c", "d", "e"]);
    for (let i = 1; i < runs.length; i++) expect(runs[i]!.start).toBeGreaterThanOrEqual(runs[i - 1]!.end);
    // Every ancestor's result is visible, not only the direct parent's.
    expect(task.steps.find((s) => s.name === "e")?.results).toMatchObject({
      step: "e",
      saw: ["a", "b", "c", "d"],
    });
    expect(task.completed_at).not.toBeNull();
  });

  it("runs the two branches of a diamond at the same time", async () => {
    const task = await run("diamond", "test_alpha", { sleep_ms: { b: 300, c: 300 } });
    expect(task.status).toBe("complete");
    const runs = h.executions.filter((e) => e.task === task.task_uuid);
    const b = runs.find((e) => e.step === "b")!;
    const c = runs.find((e) => e.step === "c")!;
    const d = runs.find((e) => e.step === "d")!;
    expect(overlaps(b, c)).toBe(true);
    expect(d.start).toBeGreaterThanOrEqual(Math.max(b.end, c.end));
    expect(task.steps.find((s) => s.name === "d")).toMatchObject({ total_parents: 2, completed_parents: 2 });
  });

  it("fans out to three parallel steps and fans back in", async () => {
    const task = await run("fanout", "test_alpha", { sleep_ms: { b: 250, c: 250, d: 250 } });
    expect(task.status).toBe("complete");
    const runs = h.executions.filter((e) => e.task === task.task_uuid);
    const [b, c, d] = ["b", "c", "d"].map((n) => runs.find((e) => e.step === n)!);
    expect(overlaps(b!, c!) && overlaps(c!, d!) && overlaps(b!, d!)).toBe(true);
    const e = runs.find((x) => x.step === "e")!;
    expect(e.start).toBeGreaterThanOrEqual(Math.max(b!.end, c!.end, d!.end));
    expect(task.steps.find((s) => s.name === "f")?.results).toMatchObject({ saw: ["a", "b", "c", "d", "e"] });
  });

  it("runs tasks of two namespaces side by side", async () => {
    const [alpha, beta] = await Promise.all([run("linear5", "test_alpha"), run("beta_chain", "test_beta")]);
    expect(alpha.status).toBe("complete");
    expect(beta.status).toBe("complete");
    expect(beta.namespace).toBe("test_beta");
  });

  it("records every transition of a task's steps in order", async () => {
    const task = await run("diamond", "test_alpha");
    const a = task.steps.find((s) => s.name === "a")!;
    const audit = await h.tasker.client.getStepAudit(task.task_uuid, a.workflow_step_uuid);
    expect(audit.map((t) => [t.from_state, t.to_state, t.event])).toEqual([
      [null, "pending", "create"],
      ["pending", "enqueued", "enqueue"],
      ["enqueued", "in_progress", "claim"],
      ["in_progress", "enqueued_for_orchestration", "succeed"],
      ["enqueued_for_orchestration", "complete", "complete"],
    ]);
    expect(audit[2]!.metadata).toMatchObject({ attempt: 1 });
  });

  it("delivers task.completed after commit to event subscribers, with the creator's correlation id", async () => {
    const seen: LifecycleEvent[] = [];
    const off = h.tasker.events.on(TASK_COMPLETED, (e) => {
      seen.push(e);
    });
    await h.tasker.events.ready();
    // An app finds its own record from the event by the correlation id it chose, before it
    // knows the task's uuid (examples/hono-app relies on it).
    const correlationId = `order-${randomUUID()}`;
    const { task: created } = await h.tasker.client.createTask({
      name: "linear5",
      namespace: "test_alpha",
      context: {},
      correlation_id: correlationId,
    });
    const task = await h.tasker.client.waitForTask(created.task_uuid, { timeoutMs: 20_000 });
    await expect.poll(() => seen.some((e) => e.task_uuid === task.task_uuid), { timeout: 5000 }).toBe(true);
    const event = seen.find((e) => e.task_uuid === task.task_uuid)!;
    expect(event).toMatchObject({
      namespace: "test_alpha",
      name: "linear5",
      status: "complete",
      correlation_id: correlationId,
      error: null,
    });
    off();
  });

  it("lists tasks with filters and pagination", async () => {
    await run("beta_chain", "test_beta");
    const page = await h.tasker.client.listTasks({ namespace: "test_beta", limit: 1 });
    expect(page.tasks).toHaveLength(1);
    expect(page.tasks[0]!.namespace).toBe("test_beta");
    expect(page.pagination.total).toBeGreaterThanOrEqual(2);
    expect(page.pagination.has_more).toBe(true);
    const done = await h.tasker.client.listTasks({ status: "complete", limit: 500 });
    expect(done.tasks.every((t) => t.status === "complete" && t.completion_percentage === 100)).toBe(true);
  });
});
