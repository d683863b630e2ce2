// What a batch instance's failure for good does to its batch, by the batchable step's
// failure_strategy (docs/templates.md): `continue_on_failure` - the instance ends complete, with a
// result saying so, so that its siblings and the convergence step after them go on; `fail_fast` -
// the batch's instances not started yet are cancelled and the task re-evaluated; `isolate` - only
// the instance fails.
import { BATCH_INPUTS_KEY, type BatchInputs, type FailedBatchResult } from "../model/batch-outcome.js";
import type { Database } from "../store/database.js";
import { cancelNotStartedSiblings } from "../store/sql/batch-instances.js";
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
 * After a step's failure for good was stored: when it is an instance of a `fail_fast` batch (known
 * from `initialization` when the caller has it, else read), cancels the instances of its batch not
 * started yet and re-evaluates the task, so it ends in `error` once the running ones are done.
 */
export async function failBatchFast(
  db: Database,
  step: {
    task_uuid: string;
    workflow_step_uuid: string;
    initialization?: Record<string, unknown> | undefined;
  },
): Promise<number> {
  if (step.initialization) {
    const batch = step.initialization[BATCH_INPUTS_KEY] as Partial<BatchInputs> | undefined;
    if (batch?.failure_strategy !== "fail_fast") return 0;
  }
  return db.transaction(async (tx) => {
    const task = await selectTask(tx, step.task_uuid, { forUpdate: true });
    if (!task) return 0;
    const cancelled = await cancelNotStartedSiblings(tx, step.task_uuid, step.workflow_step_uuid);
    if (cancelled > 0) await evaluateTask(tx, step.task_uuid, task);
    return cancelled;
  });
}
