// On the queue tables a worker claims the steps its messages announce in the statement that reads
// them (store/sql/receive-and-claim.ts): one round trip instead of two per delivery. These tests
// show it claims what claimStep would, answers busy / nothing where claimStep would, and that a
// malformed message, a duplicate or a locked step cannot fail or stall the read.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { namespaceQueue } from "../../src/queue/queue-names.js";
import { type ReceivedStep, receiveAndClaimSteps } from "../../src/store/sql/receive-and-claim.js";
import { claimStep } from "../../src/store/sql/steps.js";
import { testBackends } from "../../src/testing/index.js";
import { type Harness, startHarness } from "../support/engine-harness.js";

const QUEUE = namespaceQueue("test_alpha");

describe.each(testBackends())("reading step messages with their claims on %s", (backend) => {
  let h: Harness;
  beforeAll(async () => {
    // The queue tables' read, whatever transport the suite runs with (a broker's relay would
    // take the messages away).
    h = await startHarness(backend, { worker: false, options: { messaging: "postgres" } });
  });
  afterAll(async () => {
    await h?.close();
  });

  const receive = (workerId: string, limit = 10) =>
    receiveAndClaimSteps(h.tasker.database, {
      queues: [QUEUE],
      limit,
      visibilitySeconds: 30,
      workerId,
      leaseSeconds: 30,
    });

  /** A new linear task, its first step's uuid, and nothing else in the queue. */
  async function freshTask() {
    await h.tasker.database.query("DELETE FROM tasker.queue_messages WHERE queue_name = $1", [QUEUE]);
    const { task } = await h.tasker.client.createTask({ name: "linear5", namespace: "test_alpha" });
    return { taskUuid: task.task_uuid, first: task.steps.find((s) => s.name === "a")!.workflow_step_uuid };
  }

  const claimOf = (r: ReceivedStep | undefined) => {
    if (typeof r?.claim !== "object") throw new Error(`expected a claim, got ${String(r?.claim)}`);
    return r.claim;
  };

  it("claims the announced step for the worker and hides the message, as claimStep and a read would", async () => {
    const { taskUuid, first } = await freshTask();
    const [r, ...rest] = await receive("w-read");
    expect(rest).toEqual([]);
    expect(r?.message).toMatchObject({ queueName: QUEUE, readCount: 1, message: { step_uuid: first } });
    const claim = claimOf(r);
    expect(claim).toMatchObject({ workflow_step_uuid: first, task_uuid: taskUuid, name: "a", attempts: 1 });
    expect(claim.dependency_results).toEqual({});
    const [step] = await h.tasker.database.query<{ state: string; claimed_by: string }>(
      "SELECT state, claimed_by FROM tasker.workflow_steps WHERE workflow_step_uuid = $1",
      [first],
    );
    expect(step).toEqual({ state: "in_progress", claimed_by: "w-read" });
    // The message is hidden: a second read finds nothing.
    expect(await receive("w-other")).toEqual([]);
  });

  it("claims a step named twice in one read once, and calls the other message busy", async () => {
    const { first } = await freshTask();
    await h.tasker.database.query(
      "INSERT INTO tasker.queue_messages (queue_name, message) SELECT queue_name, message FROM tasker.queue_messages WHERE queue_name = $1",
      [QUEUE],
    );
    const received = await receive("w-dup");
    expect(received).toHaveLength(2);
    expect(claimOf(received[0]).workflow_step_uuid).toBe(first);
    expect(received[1]?.claim).toBe("busy");
  });

  it("answers busy for a step another worker holds and nothing for one already done", async () => {
    const { first } = await freshTask();
    const held = await claimStep(h.tasker.database, first, "w-holder", 30);
    expect(held).toMatchObject({ workflow_step_uuid: first });
    expect((await receive("w-late"))[0]?.claim).toBe("busy");

    // A step already done: nothing to claim, for its message and for a duplicate of it alike (so
    // both are acked rather than read again after a lease).
    const done = await freshTask();
    await h.tasker.database.query(
      "UPDATE tasker.workflow_steps SET state = 'complete' WHERE workflow_step_uuid = $1",
      [done.first],
    );
    await h.tasker.database.query(
      "INSERT INTO tasker.queue_messages (queue_name, message) SELECT queue_name, message FROM tasker.queue_messages WHERE queue_name = $1",
      [QUEUE],
    );
    const received = await receive("w-late");
    expect(received.map((r) => r.message.message)).toMatchObject([
      { step_uuid: done.first },
      { step_uuid: done.first },
    ]);
    expect(received.map((r) => r.claim)).toEqual([undefined, undefined]);
  });

  it("reads malformed messages without failing and still claims the well-formed ones", async () => {
    const { first } = await freshTask();
    const bad = [
      { task_uuid: "not-a-uuid", step_uuid: first },
      { task_uuid: first, step_uuid: 42 },
      { task_uuid: first, step_uuid: "nope" },
      { step_uuid: first },
      { task_uuid: first, step_uuid: first, correlation_id: 7 },
      // Well-formed, but the step is not of that task: no claim, and not busy (it never will be).
      { task_uuid: "00000000-0000-4000-8000-000000000000", step_uuid: first },
      "just a string",
    ];
    for (const message of bad) {
      await h.tasker.database.query(
        "INSERT INTO tasker.queue_messages (queue_name, message) VALUES ($1, $2)",
        [QUEUE, JSON.stringify(message)],
      );
    }
    const received = await receive("w-mixed");
    expect(received).toHaveLength(1 + bad.length);
    expect(claimOf(received[0]).workflow_step_uuid).toBe(first);
    expect(received.slice(1).map((r) => r.claim)).toEqual(bad.map(() => undefined));
  });

  /** Ends a claim's lease now, as if its worker had died a lease ago. */
  const expireClaim = (stepUuid: string) =>
    h.tasker.database.query(
      "UPDATE tasker.workflow_steps SET claim_expires_at = now() - interval '1 second' WHERE workflow_step_uuid = $1",
      [stepUuid],
    );
  const stepRow = async (stepUuid: string) =>
    (
      await h.tasker.database.query<{ state: string; claimed_by: string | null; attempts: number }>(
        "SELECT state, claimed_by, attempts FROM tasker.workflow_steps WHERE workflow_step_uuid = $1",
        [stepUuid],
      )
    )[0];

  it("does not take over a step of a cancelled task whose worker died, nor call it busy", async () => {
    const { taskUuid, first } = await freshTask();
    expect(await claimStep(h.tasker.database, first, "w-dead", 30)).toMatchObject({ attempts: 1 });
    await h.tasker.client.cancelTask(taskUuid, "cancelled while its worker was gone");
    await expireClaim(first);
    // The step's message (still queued: claimStep does not read it) and a direct claim alike find
    // nothing to claim, so the message is acked instead of read again and again.
    expect((await receive("w-next")).map((r) => r.claim)).toEqual([undefined]);
    expect(await claimStep(h.tasker.database, first, "w-next", 30)).toBeUndefined();
    expect(await stepRow(first)).toEqual({ state: "in_progress", claimed_by: "w-dead", attempts: 1 });
  });

  it("does not take over a step whose last attempt's worker died (max_attempts holds)", async () => {
    const { first } = await freshTask();
    await h.tasker.database.query(
      "UPDATE tasker.workflow_steps SET max_attempts = 1 WHERE workflow_step_uuid = $1",
      [first],
    );
    expect(await claimStep(h.tasker.database, first, "w-dead", 30)).toMatchObject({ attempts: 1 });
    await expireClaim(first);
    expect((await receive("w-next")).map((r) => r.claim)).toEqual([undefined]);
    expect(await claimStep(h.tasker.database, first, "w-next", 30)).toBeUndefined();
    expect(await stepRow(first)).toEqual({ state: "in_progress", claimed_by: "w-dead", attempts: 1 });
  });

  it("still takes over a step whose worker died with attempts left", async () => {
    const { first } = await freshTask();
    expect(await claimStep(h.tasker.database, first, "w-dead", 30)).toMatchObject({ attempts: 1 });
    await expireClaim(first);
    expect(claimOf((await receive("w-next"))[0])).toMatchObject({ workflow_step_uuid: first, attempts: 2 });
    expect(await stepRow(first)).toEqual({ state: "in_progress", claimed_by: "w-next", attempts: 2 });
  });

  // PostgreSQL only: the database is a pool there, so one connection can hold a row lock while
  // another reads (PGlite has one connection, and the read would simply run after).
  it.runIf(backend === "postgres")(
    "skips a step whose row is locked instead of waiting, and calls it locked",
    async () => {
      const { first } = await freshTask();
      await h.tasker.database.transaction(async (tx) => {
        await tx.query("SELECT 1 FROM tasker.workflow_steps WHERE workflow_step_uuid = $1 FOR UPDATE", [
          first,
        ]);
        const read = receive("w-skip");
        const waited = await Promise.race([
          read.then(() => false),
          new Promise<boolean>((r) => setTimeout(() => r(true), 5000)),
        ]);
        expect(waited).toBe(false);
        expect((await read)[0]?.claim).toBe("locked");
      });
    },
  );
});

// A transaction that writes an enqueued step's row (storing a sibling decision's outcome adds the
// step's new children, say) can hold it just as a worker reads the step's message: the worker
// tries again shortly, not a whole lease later.
describe.runIf(testBackends().includes("postgres"))("a worker reading the message of a locked step", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness("postgres", { worker: false, options: { messaging: "postgres" } });
  });
  afterAll(async () => {
    await h?.close();
  });

  it("claims the step once the lock is gone, well before its lease would end", async () => {
    const { task } = await h.tasker.client.createTask({ name: "linear5", namespace: "test_alpha" });
    const first = task.steps.find((s) => s.name === "a")!.workflow_step_uuid;
    const leaseSeconds = 30;
    await h.tasker.database.transaction(async (tx) => {
      await tx.query("SELECT 1 FROM tasker.workflow_steps WHERE workflow_step_uuid = $1 FOR UPDATE", [first]);
      await h.tasker.startWorker({ handlers: h.handlers, pollIntervalMs: 100, concurrency: 2, leaseSeconds });
      // The worker reads the message while the row is locked.
      for (let i = 0; i < 100; i++) {
        const [m] = await h.tasker.database.query<{ read_count: number }>(
          "SELECT read_count FROM tasker.queue_messages WHERE message->>'step_uuid' = $1",
          [first],
        );
        if ((m?.read_count ?? 0) > 0) break;
        await new Promise((r) => setTimeout(r, 20));
      }
    });
    const started = Date.now();
    const done = await h.tasker.client.waitForTask(task.task_uuid, { timeoutMs: 20_000, intervalMs: 50 });
    expect(done.status).toBe("complete");
    expect(Date.now() - started).toBeLessThan(5_000);
  });
});
