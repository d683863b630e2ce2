import type { Logger } from "../observability/logger.js";
import { STEP_SATISFIED_STATES, STEP_TRANSITIONS, type StepState } from "../state/step-states.js";
import { TASK_TERMINAL_STATES, type TaskState } from "../state/task-states.js";
import { run, type Transaction } from "../store/database.js";
import {
  type ClaimedStep,
  type StepRow,
  type StoredOutcomeStepRow,
  storeStepOutcomeStatement,
} from "../store/sql/steps.js";
import { type LockedTaskRow, lockTaskWithStepStatement, type TaskRow } from "../store/sql/tasks.js";
import {
  attemptSeconds,
  COMPLETED,
  decideStepResult,
  type ResultOutcome,
  type StepDecision,
  type StoredStep,
  stepResultEvent,
} from "./apply-step-result.js";
import { applyEvaluation } from "./evaluate-task.js";

/** What one attempt of a handler produced: its result, or the error to decide on. */
export type StepAttemptOutcome =
  | { ok: true; result: unknown }
  | { ok: false; error: NonNullable<StoredStep["error"]> & Record<string, unknown> };

export interface WorkerOutcome {
  taskUuid: string;
  stepUuid: string;
  /** The claim this outcome belongs to: only its holder, on this attempt, may store it. */
  workerId: string;
  attempts: number;
  /** The queue row of the delivery (Postgres transport): deleted with the result. */
  outboxMsgId: string | null;
  outcome: StepAttemptOutcome;
}

/**
 * A worker that has just finished a step may go straight on with one the result made ready: it
 * is claimed in the same transaction instead of being announced, read and claimed again (three
 * round trips and two commits fewer per step of a chain). Its lease covers a crash as usual.
 */
export interface ContinueWith {
  leaseSeconds: number;
  /** Whether this worker may run the step (it has the handler). */
  canRun: (step: StepRow) => boolean;
}

/**
 * A worker's outcome, stored and applied in one transaction where it happened, with the same
 * decisions the orchestrator makes (see applyStepResult): the step goes `in_progress ->
 * enqueued_for_orchestration -> complete` (or through `enqueued_as_error_for_orchestration` to
 * the retry policy's choice), the task is re-planned, ready steps are dispatched and events sent.
 *
 * Three statements: lock the task (the order every decision about a task takes), store the
 * outcome and read the steps, write the plan (claiming the next step). A success needs nothing
 * from the lock to be decided, so its store goes with the lock and `BEGIN` (one round trip), and
 * the plan with the `COMMIT` (another): two round trips and one commit per step. A failure is
 * decided on the locked row (its retry settings, whether the task was cancelled): one more.
 * The orchestrator keeps what needs a clock (retries coming due, lost claims). Returns undefined
 * when the claim was lost (the lease expired and another worker took the step over): nothing is
 * written.
 */
export async function applyWorkerOutcome(
  tx: Transaction,
  w: WorkerOutcome,
  opts: {
    jitterPercent: number;
    logger: Logger;
    continueWith?: ContinueWith | undefined;
  },
): Promise<(ResultOutcome & { next: ClaimedStep | undefined }) | undefined> {
  const { outcome } = w;
  const storeWith = (decision: StepDecision) =>
    storeStepOutcomeStatement({
      taskUuid: w.taskUuid,
      stepUuid: w.stepUuid,
      workerId: w.workerId,
      attempts: w.attempts,
      ok: outcome.ok,
      payload: outcome.ok ? outcome.result : outcome.error,
      stored: { event: outcome.ok ? "succeed" : "fail", metadata: { worker_id: w.workerId } },
      decided: { event: decision.event, metadata: decision.metadata },
      retryDelayMs: decision.retryDelayMs,
      outboxMsgId: w.outboxMsgId,
    });
  const lock = lockTaskWithStepStatement(w.taskUuid, w.stepUuid);
  let row: LockedTaskRow | undefined;
  let decision: StepDecision | undefined;
  let steps: StoredOutcomeStepRow[];
  if (outcome.ok) {
    // The store is a statement of its own after the lock: its snapshot sees every decision
    // committed before the lock was granted. Its claim guard is what decides whether it writes.
    decision = COMPLETED;
    [[row], steps] = await tx.batch([lock, storeWith(decision)] as const);
  } else {
    [row] = await run(tx, lock);
    if (!row || !isClaimedBy(row.step, w.workerId)) return undefined;
    decision = decideStepResult(
      storedStep(row.step, w, outcome),
      opts.jitterPercent,
      TASK_TERMINAL_STATES.has(row.status as TaskState),
    );
    if (!decision) return undefined; // unreachable: a stored outcome always has a decision
    steps = await run(tx, storeWith(decision));
  }
  if (!row?.step || steps.length === 0) return undefined;
  const { step: before, ...rest } = row;
  const task = rest as TaskRow;
  const step = storedStep(before, w, outcome);

  const now = new Date();
  const decidedState = STEP_TRANSITIONS[decision.event].to;
  const log = opts.logger.child({ task_uuid: w.taskUuid, step_uuid: w.stepUuid, step: step.name });
  const stepEvent = stepResultEvent(task, step, w.stepUuid, decision, log);
  const cont = opts.continueWith;
  const evaluation = await applyEvaluation(
    tx,
    task,
    patchStored(
      steps,
      w.stepUuid,
      { state: decidedState, error: step.error, retryDelayMs: decision.retryDelayMs },
      now,
    ),
    now,
    {
      precedingEvents: [stepEvent],
      keep: cont ? (ready) => ready.find(cont.canRun)?.workflow_step_uuid : undefined,
      claimFor: cont ? { workerId: w.workerId, leaseSeconds: cont.leaseSeconds } : undefined,
      commit: true,
    },
  );
  return {
    applied: decision.applied,
    evaluation,
    events: [stepEvent, ...evaluation.events],
    stepName: step.name,
    namespace: task.namespace,
    durationSeconds: attemptSeconds(step),
    next: evaluation.claimed,
  };
}

function isClaimedBy(step: LockedTaskRow["step"], workerId: string): boolean {
  const s = step as { state?: string; claimed_by?: string | null } | null;
  return s?.state === "in_progress" && s.claimed_by === workerId;
}

/** The step as the outcome leaves it, for deciding on it and for its event. */
function storedStep(
  before: LockedTaskRow["step"],
  w: WorkerOutcome,
  outcome: StepAttemptOutcome,
): StoredStep {
  return {
    ...(before as unknown as StoredStep),
    attempts: w.attempts,
    state: (outcome.ok ? STEP_TRANSITIONS.succeed : STEP_TRANSITIONS.fail).to,
    error: outcome.ok ? null : outcome.error,
  };
}

/**
 * The steps as the statement that stored the outcome left them: its snapshot still shows the
 * stored step `in_progress`, so apply its new state (and, when it is done, one more completed
 * parent for each of its children) before planning.
 */
export function patchStored(
  steps: readonly (StepRow & { child_of_stored: boolean })[],
  stepUuid: string,
  stored: { state: StepState; error: StoredStep["error"]; retryDelayMs: number | null },
  now: Date,
): StepRow[] {
  const { state, retryDelayMs } = stored;
  const satisfied = STEP_SATISFIED_STATES.has(state);
  return steps.map(({ child_of_stored, ...s }) => {
    if (s.workflow_step_uuid === stepUuid) {
      return {
        ...s,
        state,
        error: stored.error as StepRow["error"],
        claimed_by: null,
        claim_expires_at: null,
        next_retry_at: retryDelayMs === null ? s.next_retry_at : new Date(now.getTime() + retryDelayMs),
      };
    }
    return satisfied && child_of_stored ? { ...s, completed_parents: s.completed_parents + 1 } : s;
  });
}
