// What a batch instance's failure for good does to its batch, by the batchable step's
// failure_strategy (docs/templates.md): `continue_on_failure` - the instance ends complete, with a
// result saying so, so that its siblings and the convergence step after them go on; `fail_fast` -
// the batch's instances not started yet are cancelled and the task re-evaluated, in the
// transaction that stores the failure; `isolate` - only the instance fails.
import { BATCH_INPUTS_KEY, type BatchInputs, type FailedBatchResult } from "../model/batch-outcome.js";
import type { Database } from "../store/database.js";
import { selectTask } from "../store/sql/tasks.js";
import type { AttemptOutcome } from "./decide-outcome.js";
import { evaluateTask } from "./evaluate-task.js";

/** What deciding needs of the claimed step. */
interface ClaimedAttempt {
  initialization: Record<string, unknown>;
  attempts: number;
  max_attempts: number;
}

/**
 * The outcome to store for an attempt: as it is, except a failure of an instance of a
 * `continue_on_failure` batch that will not be retried (not retryable, or its last attempt),
 * which becomes the success `{ batch_failed: true, batch_id, error }`.
 */
export function settleBatchFailure(step: ClaimedAttempt, outcome: AttemptOutcome): AttemptOutcome {
  if (outcome.ok) return outcome;
  const batch = step.initialization[BATCH_INPUTS_KEY] as Partial<BatchInputs> | undefined;
  if (batch?.failure_strategy !== "continue_on_failure") return outcome;
  if (outcome.error.retryable && step.attempts < step.max_attempts) return outcome;
  const result: FailedBatchResult = {
    batch_failed: true,
    batch_id: String(batch.batch_id),
    error: {
      message: outcome.error.message,
      code: outcome.error.code ?? null,
      kind: outcome.error.kind ?? null,
    },
  };
  return { ok: true, result };
}

/**
 * After a fail_fast instance's failure for good was stored with the cancel of the instances of its
 * batch not started (in one commit: no claim can take one in between), re-evaluates its task, so
 * that it ends in `error` once the running ones are done.
 */
export async function reevaluateStoppedBatch(db: Database, taskUuid: string): Promise<void> {
  await db.transaction(async (tx) => {
    const task = await selectTask(tx, taskUuid, { forUpdate: true });
    if (task) await evaluateTask(tx, taskUuid, task);
  });
}
