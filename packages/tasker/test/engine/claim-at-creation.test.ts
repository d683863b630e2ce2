// A task created in a process whose worker serves its namespace and has a free slot hands its
// first ready step straight to that worker: the creating statement claims it (no queue message),
// and the worker runs it once the creation committed (see CreationClaim in create-task.ts).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { InProcessClient } from "../../src/client/in-process-client.js";
import type { ClaimedAtCreation, WorkerSlot } from "../../src/orchestrator/create-task.js";
import { testBackends } from "../../src/testing/index.js";
import { type Harness, startHarness } from "../support/engine-harness.js";

describe.each(testBackends())("a step claimed by its task's creation on %s", (backend) => {
  let h: Harness;
  beforeAll(async () => {
    // The queue tables: RabbitMQ's slots are the broker's, so nothing is claimed at creation there.
    h = await startHarness(backend, { worker: false, options: { messaging: "postgres" } });
    // Lost claims are swept quickly (the recovery test waits for one).
    await h.tasker.startOrchestrator({ pollIntervalMs: 100, sweepIntervalMs: 200 });
  });
  afterAll(async () => {
    await h?.close();
  });

  const messagesFor = async (stepUuid: string) =>
    (
      await h.tasker.database.query<{ n: number }>(
        "SELECT count(*)::int AS n FROM tasker.queue_messages WHERE message->>'step_uuid' = $1",
        [stepUuid],
      )
    )[0]!.n;

  it("is claimed in the creating statement for the worker, without a queue message, and the task completes", async () => {
    const worker = await h.tasker.startWorker({ handlers: h.handlers, pollIntervalMs: 100, concurrency: 2 });
    try {
      const { task } = await h.tasker.client.createTask({
        name: "linear5",
        namespace: "test_alpha",
        context: { sleep_ms: { a: 300 } },
      });
      const a = task.steps.find((s) => s.name === "a")!;
      // The answer is the rows the creation wrote: the root already in progress, first attempt.
      expect(a.current_state).toBe("in_progress");
      expect(a.attempts).toBe(1);
      expect(task.steps.filter((s) => s.name !== "a").every((s) => s.current_state === "pending")).toBe(true);
      // While it runs, no message announces it (a step read from the queue keeps its message until stored).
      expect(await messagesFor(a.workflow_step_uuid)).toBe(0);

      const done = await h.tasker.client.waitForTask(task.task_uuid, { timeoutMs: 20_000 });
      expect(done.status).toBe("complete");
      const audit = await h.tasker.client.getStepAudit(done.task_uuid, a.workflow_step_uuid);
      expect(audit.map((t) => `${t.from_state ?? "-"}>${t.to_state}:${t.event}`)).toEqual([
        "->pending:create",
        "pending>enqueued:enqueue",
        "enqueued>in_progress:claim",
        "in_progress>enqueued_for_orchestration:succeed",
        "enqueued_for_orchestration>complete:complete",
      ]);
      expect(audit[2]!.metadata).toMatchObject({ worker_id: worker.workerId, attempt: 1, at_creation: true });
      const e = done.steps.find((s) => s.name === "e")!;
      expect((e.results as { saw: string[] }).saw).toEqual(["a", "b", "c", "d"]);
      expect(worker.status().inFlight).toBe(0);
    } finally {
      await worker.stop();
    }
  });

  it("goes through the queue when the worker has no free slot, or does not serve the namespace", async () => {
    const worker = await h.tasker.startWorker({
      handlers: h.handlers,
      pollIntervalMs: 100,
      concurrency: 1,
      namespaces: ["test_alpha"],
    });
    try {
      const busy = await h.tasker.client.createTask({
        name: "linear5",
        namespace: "test_alpha",
        context: { sleep_ms: { a: 1000 } },
      });
      expect(busy.task.steps.find((s) => s.name === "a")!.current_state).toBe("in_progress");
      // The only slot runs the first task's root: the second task's root is enqueued and signalled.
      const queued = await h.tasker.client.createTask({ name: "linear5", namespace: "test_alpha" });
      const a = queued.task.steps.find((s) => s.name === "a")!;
      expect(a.current_state).toBe("enqueued");
      expect(await messagesFor(a.workflow_step_uuid)).toBe(1);
      // A namespace this worker does not serve: enqueued too.
      const other = await h.tasker.client.createTask({ name: "beta_chain", namespace: "test_beta" });
      expect(other.task.steps.find((s) => s.name === "a")!.current_state).toBe("enqueued");

      for (const t of [busy, queued]) {
        const done = await h.tasker.client.waitForTask(t.task.task_uuid, { timeoutMs: 20_000 });
        expect(done.status).toBe("complete");
      }
      const audit = await h.tasker.client.getStepAudit(queued.task.task_uuid, a.workflow_step_uuid);
      expect(audit.find((t) => t.event === "claim")!.metadata).not.toHaveProperty("at_creation");
      await h.tasker.client.cancelTask(other.task.task_uuid);
    } finally {
      await worker.stop();
    }
  });

  /** A client whose "worker" never runs what it is given, as if its process died after the commit. */
  const clientWithSlot = (slot: Partial<WorkerSlot>) =>
    new InProcessClient(h.tasker.database, h.tasker.templates, h.tasker.events, {
      reserveWorkerSlot: () => ({
        workerId: "ghost-worker",
        leaseSeconds: 1,
        canRun: () => true,
        run: () => undefined,
        release: () => undefined,
        ...slot,
      }),
    });

  it("is run again by another worker when the process that claimed it never stores it", async () => {
    const given: ClaimedAtCreation[] = [];
    const client = clientWithSlot({ run: (c) => given.push(c) });
    const { task } = await client.createTask({ name: "linear5", namespace: "test_alpha" });
    expect(given.map((c) => c.name)).toEqual(["a"]);
    expect(given[0]).toMatchObject({ attempts: 1, task_uuid: task.task_uuid, dependency_results: {} });

    const worker = await h.tasker.startWorker({ handlers: h.handlers, pollIntervalMs: 100 });
    try {
      const done = await h.tasker.client.waitForTask(task.task_uuid, { timeoutMs: 20_000 });
      expect(done.status).toBe("complete");
      const a = done.steps.find((s) => s.name === "a")!;
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
      expect(audit[2]!.metadata).toMatchObject({ worker_id: "ghost-worker", at_creation: true });
      expect(audit[4]!.metadata).toMatchObject({ worker_id: worker.workerId, took_over: true, attempt: 2 });
    } finally {
      await worker.stop();
    }
  });

  it("frees the slot when nothing is claimed: an idempotent repeat, or no step the worker can run", async () => {
    let released = 0;
    const runs: string[] = [];
    const client = clientWithSlot({ release: () => void released++, run: (c) => runs.push(c.name) });
    const request = { name: "beta_chain", namespace: "test_beta", idempotency_key: `claim-${backend}` };
    const first = await client.createTask(request);
    expect(first.created).toBe(true);
    const again = await client.createTask(request);
    expect(again.created).toBe(false);
    expect({ runs, released }).toEqual({ runs: ["a"], released: 1 });

    const cannot = clientWithSlot({ canRun: () => false, release: () => void released++ });
    const { task } = await cannot.createTask({ name: "beta_chain", namespace: "test_beta" });
    expect(task.steps.find((s) => s.name === "a")!.current_state).toBe("enqueued");
    expect(released).toBe(2);
    for (const uuid of [first.task.task_uuid, task.task_uuid]) await h.tasker.client.cancelTask(uuid);
  });
});
