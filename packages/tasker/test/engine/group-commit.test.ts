// A worker stores the successes that finish while its writes are under way together, in one
// transaction (worker/group-commit.ts, applyWorkerSuccesses). These tests show that it really
// happens, that nothing is lost or run twice because of it, and that one outcome whose claim was
// lost does not take the others of its batch with it.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLogger } from "../../src/observability/logger.js";
import { applyWorkerSuccesses, type WorkerSuccess } from "../../src/orchestrator/apply-worker-outcome.js";
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
    const successes: WorkerSuccess[] = claims.map((c) => ({
      outcome: {
        taskUuid: c.task_uuid,
        stepUuid: c.workflow_step_uuid,
        workerId: "w-batch",
        attempts: c.attempts,
        outboxMsgId: null,
        outcome: { ok: true, result: { by: "batch" } },
      },
      logger,
    }));
    const applied = await db.transaction((tx) => applyWorkerSuccesses(tx, successes));
    expect(applied.map((a) => (typeof a === "object" ? a.applied : a))).toEqual([
      "completed",
      undefined,
      "completed",
    ]);
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
    // Two outcomes of one task never share a batch: they are refused before anything is sent.
    await expect(
      db.transaction((tx) => applyWorkerSuccesses(tx, [successes[0]!, successes[0]!])),
    ).rejects.toThrow(/two outcomes in one batch/);
  });
});
