// The orchestrator's lost-claim sweep stores outcomes in a worker's name "only if its lease has
// expired" (onlyIfLeaseExpired): a worker that lagged past its lease may renew it (a heartbeat or a
// checkpoint) and report for real, and the sweep must then store nothing: successes (a
// continue_on_failure batch instance's lost last attempt is stored as a batch_failed success) and
// failures alike. The engine's planner only: the reference does not check it (store-outcomes.ts).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AttemptOutcome } from "../../src/lifecycle/decide-outcome.js";
import { planFromCounts } from "../../src/lifecycle/store-outcomes.js";
import { createLogger } from "../../src/observability/logger.js";
import { claimStep } from "../../src/store/sql/steps.js";
import { testBackends } from "../../src/testing/index.js";
import { type Harness, startHarness } from "../support/engine-harness.js";

const logger = createLogger({ level: "silent" });
const WORKER = "w-lagging";

const OUTCOMES: Record<string, AttemptOutcome> = {
  success: { ok: true, result: { batch_failed: true } },
  failure: {
    ok: false,
    error: {
      message: "the worker's lease ran out",
      code: "lease_expired",
      retryable: true,
      kind: "worker_lost",
      metadata: null,
      retry_after_ms: null,
    },
  },
};

describe.each(testBackends())("the sweep's lease guard on %s", (backend) => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness(backend, { worker: false, options: { messaging: "postgres" } });
  });
  afterAll(async () => {
    await h?.close();
  });

  /** A task's first step claimed by WORKER, its lease as given; then the sweep's outcome stored. */
  async function sweep(outcome: AttemptOutcome, leaseExpired: boolean) {
    const db = h.tasker.database;
    const { task } = await h.tasker.client.createTask({ name: "beta_chain", namespace: "test_beta" });
    const [first] = await db.query<{ uuid: string }>(
      "SELECT workflow_step_uuid AS uuid FROM tasker.workflow_steps WHERE task_uuid = $1 AND name = 'a'",
      [task.task_uuid],
    );
    const uuid = first!.uuid;
    const claim = await claimStep(db, uuid, WORKER, 30);
    if (!claim || claim === "busy") throw new Error("step a could not be claimed");
    if (leaseExpired) {
      await db.query(
        "UPDATE tasker.workflow_steps SET claim_expires_at = now() - interval '1 second' WHERE workflow_step_uuid = $1",
        [uuid],
      );
    }
    const stored = await db.transaction((tx) =>
      planFromCounts.store(
        tx,
        [
          {
            taskUuid: claim.task_uuid,
            stepUuid: claim.workflow_step_uuid,
            workerId: WORKER,
            attempts: claim.attempts,
            outboxMsgId: null,
            outcome,
            onlyIfLeaseExpired: true,
          },
        ],
        { jitterPercent: 0, logger },
      ),
    );
    const [row] = await db.query<{ state: string }>(
      "SELECT state FROM tasker.workflow_steps WHERE workflow_step_uuid = $1",
      [uuid],
    );
    return { stored: stored[0] !== undefined && stored[0] !== null, state: row?.state };
  }

  for (const kind of ["success", "failure"] as const) {
    it(`a ${kind} stores nothing while the lease is live, and is stored once it expired`, async () => {
      const live = await sweep(OUTCOMES[kind]!, false);
      expect(live).toEqual({ stored: false, state: "in_progress" });
      const expired = await sweep(OUTCOMES[kind]!, true);
      expect(expired.stored).toBe(true);
      expect(expired.state).not.toBe("in_progress");
    });
  }
});
