// A worker stores the successes that finish while its writes are under way together, in one
// transaction (lifecycle/group-commit.ts, OutcomePlanner.store), whatever their tasks. These tests
// show that it really happens, that nothing is lost or run twice because of it, that one outcome
// whose claim was lost does not take the others of its batch with it, and that outcomes of one task
// in one batch advance it as they would one after the other.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type OutcomeToStore, planFromCounts } from "../../src/lifecycle/store-outcomes.js";
import { createLogger } from "../../src/observability/logger.js";
import { claimStep, extendClaims } from "../../src/store/sql/steps.js";
import { testBackends } from "../../src/testing/index.js";
import { type Harness, startHarness } from "../support/engine-harness.js";

const logger = createLogger({ level: "silent" });

describe.each(testBackends())("group commit of step outcomes on %s", (backend) => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness(backend, { worker: false });
  });
  afterAll(async () => {
    await h?.close();
  });

  it("stores outcomes that finish together in shared transactions, each step once", async () => {
    const worker = await h.tasker.startWorker({
      handlers: h.handlers,
      pollIntervalMs: 100,
      concurrency: 16,
      writeConcurrency: 1,
    });
    try {
      const before = h.executions.length;
      // Steps that take no time: their outcomes arrive faster than one write at a time stores them.
      const created = await Promise.all(
        Array.from({ length: 16 }, () =>
          h.tasker.client.createTask({ name: "linear5", namespace: "test_alpha" }),
        ),
      );
      const uuids = created.map((c) => c.task.task_uuid);
      for (const uuid of uuids) {
        expect((await h.tasker.client.waitForTask(uuid, { timeoutMs: 30_000 })).status).toBe("complete");
      }
      // Each step ran once.
      const runs = h.executions.slice(before);
      expect(runs).toHaveLength(16 * 5);
      expect(new Set(runs.map((r) => `${r.task}/${r.step}`)).size).toBe(16 * 5);
      // A row's xmin is the transaction that wrote it: 80 outcomes in fewer transactions.
      const [row] = await h.tasker.database.query<{ outcomes: number; transactions: number }>(
        `SELECT count(*)::int AS outcomes, count(DISTINCT xmin::text)::int AS transactions
           FROM tasker.workflow_step_transitions
          WHERE event = 'complete' AND task_uuid = ANY($1::uuid[])`,
        [uuids],
      );
      expect(row!.outcomes).toBe(80);
      expect(row!.transactions).toBeLessThan(80);
      expect(row!.transactions).toBeGreaterThanOrEqual(5); // a chain's steps commit one after another
    } finally {
      await worker.stop();
    }
  });

  it("applies the other outcomes of a batch when one of them lost its claim", async () => {
    const db = h.tasker.database;
    const tasks = await Promise.all(
      [1, 2, 3].map(() => h.tasker.client.createTask({ name: "linear5", namespace: "test_alpha" })),
    );
    // Claimed by hand (no worker runs): the first step of each task, for "w-batch".
    const claims = [];
    for (const { task } of tasks) {
      const a = task.steps.find((s) => s.name === "a")!;
      const claim = await claimStep(db, a.workflow_step_uuid, "w-batch", 30);
      if (!claim || claim === "busy") throw new Error(`step a of ${task.task_uuid} could not be claimed`);
      claims.push(claim);
    }
    // The second task's claim went to another worker meanwhile (its lease expired, say).
    await db.query("UPDATE tasker.workflow_steps SET claimed_by = 'w-other' WHERE workflow_step_uuid = $1", [
      claims[1]!.workflow_step_uuid,
    ]);
    const successes: OutcomeToStore[] = claims.map((c) => ({
      taskUuid: c.task_uuid,
      stepUuid: c.workflow_step_uuid,
      workerId: "w-batch",
      attempts: c.attempts,
      outboxMsgId: null,
      outcome: { ok: true, result: { by: "batch" } },
    }));
    const applied = await db.transaction((tx) =>
      planFromCounts.store(tx, successes, { jitterPercent: 10, logger }),
    );
    expect(applied.map((a) => a?.applied)).toEqual(["completed", undefined, "completed"]);
    for (const [i, { task }] of tasks.entries()) {
      const view = await h.tasker.client.getTask(task.task_uuid);
      const a = view.steps.find((s) => s.name === "a")!;
      const b = view.steps.find((s) => s.name === "b")!;
      if (i === 1) {
        expect(a.current_state).toBe("in_progress");
        expect(b.current_state).toBe("pending");
      } else {
        expect(a.current_state).toBe("complete");
        expect(a.results).toEqual({ by: "batch" });
        expect(b.current_state).toBe("enqueued"); // dispatched by the batch's plan
      }
    }
    // The heartbeat never waits for a step row that a store holds (it would deadlock with a batch
    // that holds the heartbeat's other rows): it extends the free ones and skips the locked one.
    if (backend === "postgres") {
      const [held, free] = [claims[0]!, claims[2]!];
      await db.query(
        "UPDATE tasker.workflow_steps SET claimed_by = 'w-batch', state = 'in_progress' WHERE workflow_step_uuid = ANY($1::uuid[])",
        [[held.workflow_step_uuid, free.workflow_step_uuid]],
      );
      const leases = async () =>
        db.query<{ uuid: string; expires: Date }>(
          "SELECT workflow_step_uuid AS uuid, claim_expires_at AS expires FROM tasker.workflow_steps WHERE workflow_step_uuid = ANY($1::uuid[])",
          [[held.workflow_step_uuid, free.workflow_step_uuid]],
        );
      await db.query(
        "UPDATE tasker.workflow_steps SET claim_expires_at = now() WHERE workflow_step_uuid = ANY($1::uuid[])",
        [[held.workflow_step_uuid, free.workflow_step_uuid]],
      );
      await db.transaction(async (tx) => {
        await tx.query("SELECT 1 FROM tasker.workflow_steps WHERE workflow_step_uuid = $1 FOR UPDATE", [
          held.workflow_step_uuid,
        ]);
        const extended = extendClaims(db, [held.workflow_step_uuid, free.workflow_step_uuid], "w-batch", 600);
        const waited = await Promise.race([
          extended.then(() => false),
          new Promise<boolean>((r) => setTimeout(() => r(true), 5000)),
        ]);
        expect(waited).toBe(false);
      });
      const after = new Map((await leases()).map((l) => [l.uuid, l.expires.getTime()]));
      expect(after.get(free.workflow_step_uuid)! - Date.now()).toBeGreaterThan(500_000);
      expect(after.get(held.workflow_step_uuid)! - Date.now()).toBeLessThan(60_000);
    }
  });

  it("advances a task once for several of its outcomes in one batch: the join runs when its last parent is done", async () => {
    const db = h.tasker.database;
    // fanout: a -> {b, c, d} -> e -> f
    const { task } = await h.tasker.client.createTask({ name: "fanout", namespace: "test_alpha" });
    const uuid = (name: string) => task.steps.find((s) => s.name === name)!.workflow_step_uuid;
    const store = (outcomes: OutcomeToStore[]) =>
      db.transaction((tx) => planFromCounts.store(tx, outcomes, { jitterPercent: 10, logger }));
    const done = async (name: string) => {
      const claim = await claimStep(db, uuid(name), "w-fan", 30);
      if (!claim || claim === "busy") throw new Error(`step ${name} could not be claimed`);
      return {
        taskUuid: task.task_uuid,
        stepUuid: claim.workflow_step_uuid,
        workerId: "w-fan",
        attempts: claim.attempts,
        outboxMsgId: null,
        outcome: { ok: true as const, result: { step: name } },
        continueWith: { leaseSeconds: 30, handlers: ["test.e"] },
      };
    };
    const [a] = await store([await done("a")]);
    expect(a).toMatchObject({ applied: "completed", taskStatus: "steps_in_process", next: undefined });
    // b and c finish together: e still waits for d.
    const bc = await store([await done("b"), await done("c")]);
    expect(bc.map((r) => [r?.applied, r?.next?.name])).toEqual([
      ["completed", undefined],
      ["completed", undefined],
    ]);
    const [d] = await store([await done("d")]);
    // d's worker goes on with e, claimed with every parent's result.
    expect(d?.next).toMatchObject({ name: "e", attempts: 1 });
    expect(d?.next?.dependency_results).toEqual({
      a: { step: "a" },
      b: { step: "b" },
      c: { step: "c" },
      d: { step: "d" },
    });
    const [row] = await db.query<{ e: string; messages: number; counts: number[] }>(
      `SELECT (SELECT state FROM tasker.workflow_steps WHERE workflow_step_uuid = $2) AS e,
              (SELECT count(*)::int FROM tasker.queue_messages WHERE message->>'step_uuid' = $2::text) AS messages,
              ARRAY[steps_done, steps_running, steps_waiting, steps_failed] AS counts
         FROM tasker.tasks WHERE task_uuid = $1`,
      [task.task_uuid, uuid("e")],
    );
    expect(row).toEqual({ e: "in_progress", messages: 0, counts: [4, 1, 0, 0] });
  });
});
