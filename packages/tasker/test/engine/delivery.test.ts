import type { ChildProcess } from "node:child_process";
import { once } from "node:events";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Tasker } from "../../src/index.js";
import { ORCHESTRATION_QUEUE } from "../../src/queue/queue-names.js";
import { sendMessages } from "../../src/store/sql/queue.js";
import { testBackends } from "../../src/testing/index.js";
import { type Harness, programmableHandler, STEP_NAMES, startHarness } from "../support/engine-harness.js";
import { startWorkerProcess } from "../support/worker-process.js";

const queueEmpty = async (tasker: Tasker) =>
  (await tasker.database.query<{ n: number }>("SELECT count(*)::int AS n FROM tasker.queue_messages"))[0]!
    .n === 0;

describe.each(testBackends())("delivery guarantees on %s", (backend) => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness(backend);
  });
  afterAll(async () => {
    await h?.close();
  });

  it("returns the same task for the same idempotency key, and 409 for a different payload", async () => {
    const request = {
      name: "linear5",
      namespace: "test_alpha",
      context: { order: 1 },
      idempotency_key: `order-1-${backend}`,
    };
    const first = await h.tasker.client.createTask(request);
    const second = await h.tasker.client.createTask({ ...request, context: { order: 1 } });
    expect(first.created).toBe(true);
    expect(second.created).toBe(false);
    expect(second.task.task_uuid).toBe(first.task.task_uuid);
    const conflict = await h.tasker.client
      .createTask({ ...request, context: { order: 2 } })
      .catch((e: unknown) => e);
    expect(conflict).toMatchObject({
      code: "CONFLICT",
      status: 409,
      details: { existing_task_uuid: first.task.task_uuid },
    });
  });

  it("creates one task when many requests race with one idempotency key", async () => {
    const request = {
      name: "diamond",
      namespace: "test_alpha",
      context: { race: true },
      idempotency_key: `race-${backend}`,
    };
    const results = await Promise.all(Array.from({ length: 10 }, () => h.tasker.client.createTask(request)));
    expect(new Set(results.map((r) => r.task.task_uuid)).size).toBe(1);
    expect(results.filter((r) => r.created)).toHaveLength(1);
  });

  it("reads an older version's step_result messages as re-plans, which change nothing on a finished task", async () => {
    const { task } = await h.tasker.client.createTask({ name: "linear5", namespace: "test_alpha" });
    const done = await h.tasker.client.waitForTask(task.task_uuid, { timeoutMs: 20_000 });
    const a = done.steps[0]!;
    const before = await h.tasker.client.getStepAudit(done.task_uuid, a.workflow_step_uuid);
    await sendMessages(h.tasker.database, [
      {
        queueName: ORCHESTRATION_QUEUE,
        message: {
          kind: "step_result",
          task_uuid: done.task_uuid,
          step_uuid: a.workflow_step_uuid,
          correlation_id: done.correlation_id,
        },
      },
      {
        queueName: ORCHESTRATION_QUEUE,
        message: {
          kind: "step_result",
          task_uuid: done.task_uuid,
          step_uuid: a.workflow_step_uuid,
          correlation_id: done.correlation_id,
        },
      },
    ]);
    await expect.poll(() => queueEmpty(h.tasker), { timeout: 10_000 }).toBe(true);
    expect(await h.tasker.client.getStepAudit(done.task_uuid, a.workflow_step_uuid)).toEqual(before);
    const after = await h.tasker.client.getTask(done.task_uuid);
    expect(after.status).toBe("complete");
    expect(after.updated_at).toBe(done.updated_at);
  });
});

describe.skipIf(!testBackends().includes("postgres"))("many processes on one PostgreSQL", () => {
  let h: Harness;
  let child: ChildProcess | undefined;
  beforeAll(async () => {
    h = await startHarness("postgres", { worker: false });
  });
  afterAll(async () => {
    child?.kill("SIGKILL");
    await h?.close();
  });

  it("re-dispatches a step whose worker process was killed mid-step, after its lease", async () => {
    const worker = await startWorkerProcess(
      new URL("./fixtures/blocking-worker.ts", import.meta.url),
      h.url!,
    );
    child = worker.child;
    const { task } = await h.tasker.client.createTask({ name: "linear5", namespace: "test_alpha" });
    await expect.poll(() => worker.output().includes("STARTED"), { timeout: 15_000 }).toBe(true);
    child.kill("SIGKILL");
    await once(child, "exit");

    // A fresh worker takes the step over once the dead worker's 2 s lease runs out.
    await h.tasker.startWorker({
      handlers: h.handlers,
      namespaces: ["test_alpha"],
      leaseSeconds: 2,
      pollIntervalMs: 100,
    });
    const done = await h.tasker.client.waitForTask(task.task_uuid, { timeoutMs: 30_000 });
    expect(done.status).toBe("complete");
    const a = done.steps.find((s) => s.name === "a")!;
    expect(a.attempts).toBe(2);
    const audit = await h.tasker.client.getStepAudit(done.task_uuid, a.workflow_step_uuid);
    expect(audit.map((t) => t.event)).toEqual([
      "create",
      "enqueue",
      "claim",
      "claim_expired",
      "claim",
      "succeed",
      "complete",
    ]);
    // The side effect of the step happened once: only the surviving worker finished it.
    expect(h.executions.filter((e) => e.task === done.task_uuid && e.step === "a")).toHaveLength(1);
  });

  it("two orchestrators and two workers never dispatch or run a step twice", async () => {
    const second = await Tasker.open({ databaseUrl: h.url });
    try {
      await second.startOrchestrator({ pollIntervalMs: 100 });
      await h.tasker.startOrchestrator({ pollIntervalMs: 100 });
      const executions: { task: string; step: string; attempt: number; start: number; end: number }[] = [];
      await second.startWorker({
        handlers: STEP_NAMES.map((n) => programmableHandler(`test.${n}`, executions)),
        pollIntervalMs: 100,
      });
      const created = await Promise.all(
        Array.from({ length: 30 }, (_, i) =>
          (i % 2 ? h.tasker : second).client.createTask({
            name: "fanout",
            namespace: "test_alpha",
            context: { i },
          }),
        ),
      );
      const finished = await Promise.all(
        created.map((c) => h.tasker.client.waitForTask(c.task.task_uuid, { timeoutMs: 60_000 })),
      );
      expect(finished.every((t) => t.status === "complete")).toBe(true);
      const uuids = created.map((c) => c.task.task_uuid);
      const dupes = await h.tasker.database.query(
        `SELECT workflow_step_uuid, event, count(*)::int AS n FROM tasker.workflow_step_transitions
          WHERE task_uuid = ANY($1::uuid[]) AND event IN ('enqueue', 'claim', 'succeed', 'complete')
          GROUP BY workflow_step_uuid, event HAVING count(*) <> 1`,
        [uuids],
      );
      expect(dupes).toEqual([]);
      const ran = [...h.executions, ...executions].filter((e) => uuids.includes(e.task));
      expect(ran).toHaveLength(30 * 6);
    } finally {
      await second.close();
    }
  });
});
