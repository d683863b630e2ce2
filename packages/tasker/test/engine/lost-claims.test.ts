// A step whose worker died mid-attempt keeps its claim until the lease runs out; then it is either
// taken over (see delivery.test.ts) or, when it must not run again, ended by the lost-claim sweep:
// a step of a task cancelled meanwhile is cancelled, and a step on its last attempt fails
// (max_attempts holds). Here the dead worker is simulated by a claim made in its name with a short
// lease, which leaves the rows exactly as a SIGKILLed worker does; the reliability suite does it
// with real processes (cancel-after-crash.reliability.ts).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { namespaceQueue } from "../../src/queue/queue-names.js";
import { receiveAndClaimSteps } from "../../src/store/sql/receive-and-claim.js";
import { testBackends } from "../../src/testing/index.js";
import { type Harness, startHarness, template } from "../support/engine-harness.js";

const NAMESPACE = "test_alpha";
const DEAD_LEASE_SECONDS = 1;

describe.each(testBackends())("steps whose worker died, on %s", (backend) => {
  let h: Harness;
  beforeAll(async () => {
    // No worker at first: each test claims its step in a dead worker's name, then starts one.
    h = await startHarness(backend, { worker: false, options: { messaging: "postgres" } });
    await h.tasker.templates.register([
      template(NAMESPACE, "once", [
        { name: "a", retry: { max_attempts: 1 } },
        { name: "b", deps: ["a"] },
      ]),
    ]);
    // A quick lost-claim sweep, so that the tests need not wait the default 5 s for it.
    await h.tasker.startOrchestrator({ pollIntervalMs: 100, sweepIntervalMs: 200 });
  });
  afterAll(async () => {
    await h?.close();
  });

  /** Creates a task and claims its first step for a worker that then dies (never renews its lease). */
  async function taskWithDeadWorker(name: string) {
    const { task } = await h.tasker.client.createTask({ name, namespace: NAMESPACE });
    const a = task.steps.find((s) => s.name === "a")!.workflow_step_uuid;
    const received = await receiveAndClaimSteps(h.tasker.database, {
      queues: [namespaceQueue(NAMESPACE)],
      limit: 100,
      visibilitySeconds: DEAD_LEASE_SECONDS,
      workerId: "dead-worker",
      leaseSeconds: DEAD_LEASE_SECONDS,
    });
    const claim = received.find((r) => typeof r.claim === "object" && r.claim.workflow_step_uuid === a);
    if (!claim) throw new Error("the dead worker did not get the step's claim");
    return { taskUuid: task.task_uuid, a };
  }

  /** Runs `fn` with a live worker serving the namespace (stopped after). */
  async function withWorker(fn: () => Promise<void>) {
    const worker = await h.tasker.startWorker({
      handlers: h.handlers,
      namespaces: [NAMESPACE],
      leaseSeconds: 1,
      pollIntervalMs: 100,
    });
    try {
      await fn();
    } finally {
      await h.tasker.stopWorker(worker);
    }
  }

  const stepOf = async (taskUuid: string, name: string) =>
    (await h.tasker.client.getTask(taskUuid)).steps.find((s) => s.name === name)!;
  const events = async (taskUuid: string, stepUuid: string) =>
    (await h.tasker.client.getStepAudit(taskUuid, stepUuid)).map((t) => t.event);
  const messagesOf = async (taskUuid: string) =>
    (
      await h.tasker.database.query<{ n: number }>(
        "SELECT count(*)::int AS n FROM tasker.queue_messages WHERE message->>'task_uuid' = $1",
        [taskUuid],
      )
    )[0]!.n;

  it("never starts a step of a task cancelled while its worker was dead; the step ends cancelled", async () => {
    const { taskUuid, a } = await taskWithDeadWorker("linear5");
    const cancelled = await h.tasker.client.cancelTask(taskUuid, "cancelled while its worker was dead");
    expect(cancelled.status).toBe("cancelled");
    await withWorker(async () => {
      // The sweep ends the orphaned claim once its lease ran out, instead of signalling it again.
      await expect
        .poll(async () => (await stepOf(taskUuid, "a")).current_state, { timeout: 10_000, interval: 100 })
        .toBe("cancelled");
      // Another lease and visibility timeout later, still nothing ran and nothing is queued.
      await new Promise((r) => setTimeout(r, (DEAD_LEASE_SECONDS + 0.5) * 1000));
      await expect.poll(() => messagesOf(taskUuid), { timeout: 5000 }).toBe(0);
    });
    expect(h.executions.filter((e) => e.task === taskUuid)).toEqual([]);
    const task = await h.tasker.client.getTask(taskUuid);
    expect(task.status).toBe("cancelled");
    expect(task.steps.map((s) => s.current_state)).toEqual(Array(5).fill("cancelled"));
    expect((await stepOf(taskUuid, "a")).attempts).toBe(1);
    expect(await events(taskUuid, a)).toEqual(["create", "enqueue", "claim", "claim_expired", "cancel"]);
  });

  it("fails a step whose worker died on its last attempt instead of running it again", async () => {
    const { taskUuid, a } = await taskWithDeadWorker("once");
    await withWorker(async () => {
      const done = await h.tasker.client.waitForTask(taskUuid, { timeoutMs: 10_000 });
      expect(done.status).toBe("error");
      // The dead worker's message comes back when its visibility ends: read, found stale, acked.
      await expect.poll(() => messagesOf(taskUuid), { timeout: 5000 }).toBe(0);
    });
    expect(h.executions.filter((e) => e.task === taskUuid)).toEqual([]);
    const step = await stepOf(taskUuid, "a");
    expect(step).toMatchObject({ current_state: "error", attempts: 1, max_attempts: 1 });
    expect(step.error).toMatchObject({ code: "lease_expired", kind: "worker_lost", retryable: true });
    expect(step.error?.message).toContain("dead-worker");
    expect((await stepOf(taskUuid, "b")).current_state).toBe("pending");
    expect(await events(taskUuid, a)).toEqual(["create", "enqueue", "claim", "fail", "error"]);
  });
});
