import type { Logger } from "../observability/logger.js";
import { STEP_SATISFIED_STATES, STEP_TRANSITIONS, type StepState } from "../state/step-states.js";
import { TASK_TERMINAL_STATES, type TaskState } from "../state/task-states.js";
import { run, type Statement, type Transaction } from "../store/database.js";
import type { TaskPlanRow } from "../store/sql/apply-task-plan.js";
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
import { evaluationWrite } from "./evaluate-task.js";

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

/** What storing an outcome did, and the step its worker goes on with (if it asked to). */
export type AppliedWorkerOutcome = ResultOutcome & { next: ClaimedStep | undefined };

/** A worker's successful attempt (see {@link applyWorkerSuccesses}). */
export interface WorkerSuccess {
  outcome: WorkerOutcome & { outcome: { ok: true } };
  /** Claim a step the result made ready for this worker instead of announcing it. */
  continueWith?: ContinueWith | undefined;
  logger: Logger;
}

/**
 * A worker's outcome, stored and applied in one transaction where it happened, with the same
 * decisions the orchestrator makes (see applyStepResult): the step goes `in_progress ->
 * enqueued_for_orchestration -> complete` (or through `enqueued_as_error_for_orchestration` to
 * the retry policy's choice), the task is re-planned, ready steps are dispatched and events sent.
 *
 * Three statements: lock the task (the order every decision about a task takes), store the
 * outcome and read the steps, write the plan (claiming the next step). A success needs nothing
 * from the lock to be decided: see {@link applyWorkerSuccesses}. A failure is decided on the
 * locked row (its retry settings, whether the task was cancelled), so it takes one round trip
 * more. The orchestrator keeps what needs a clock (retries coming due, lost claims). Returns
 * undefined when the claim was lost (the lease expired and another worker took the step over):
 * nothing is written.
 */
export async function applyWorkerOutcome(
  tx: Transaction,
  w: WorkerOutcome,
  opts: {
    jitterPercent: number;
    logger: Logger;
    continueWith?: ContinueWith | undefined;
  },
): Promise<AppliedWorkerOutcome | undefined> {
  const { outcome } = w;
  if (outcome.ok) {
    const [applied] = await applyWorkerSuccesses(tx, [
      { outcome: { ...w, outcome }, continueWith: opts.continueWith, logger: opts.logger },
    ]);
    return applied;
  }
  const [row] = await run(tx, lockTaskWithStepStatement(w.taskUuid, w.stepUuid));
  if (!row || !isClaimedBy(row.step, w.workerId)) return undefined;
  const decision = decideStepResult(
    storedStep(row.step, w, outcome),
    opts.jitterPercent,
    TASK_TERMINAL_STATES.has(row.status as TaskState),
  );
  if (!decision) return undefined; // unreachable: a stored outcome always has a decision
  const steps = await run(tx, storeOutcomeStatement(w, decision));
  if (steps.length === 0) return undefined; // the claim was lost meanwhile: nothing was written
  const planned = planAfterOutcome(row, steps, w, decision, opts.continueWith, opts.logger);
  const [planRows] = await tx.batch([planned.write.statement] as const, { commit: true });
  return planned.applied(planRows[0]);
}

/**
 * Successful attempts of steps of different tasks (one per task), stored and applied in one
 * transaction: two round trips and one commit for all of them. The first sends, per task, the
 * lock and the store (its own statement after the lock: its snapshot sees every decision
 * committed before the lock was granted; its claim guard decides whether it writes); the second
 * the plans with the `COMMIT`. Tasks are locked in one order (by uuid) so that two workers'
 * batches cannot deadlock. Each entry is undefined where the claim was lost.
 */
export async function applyWorkerSuccesses(
  tx: Transaction,
  successes: readonly WorkerSuccess[],
): Promise<(AppliedWorkerOutcome | undefined)[]> {
  const order = successes
    .map((s, i) => ({ s, i }))
    .sort((a, b) => compareUuids(a.s.outcome.taskUuid, b.s.outcome.taskUuid));
  order.forEach((o, k) => {
    if (k > 0 && order[k - 1]?.s.outcome.taskUuid === o.s.outcome.taskUuid) {
      throw new Error(
        `task ${o.s.outcome.taskUuid} has two outcomes in one batch; store them one after the other`,
      );
    }
  });
  const read = await tx.batch(
    order.flatMap(({ s: { outcome: w } }) => [
      lockTaskWithStepStatement(w.taskUuid, w.stepUuid),
      storeOutcomeStatement(w, COMPLETED),
    ]),
  );
  const planned: { i: number; plan: ReturnType<typeof planAfterOutcome> }[] = [];
  order.forEach(({ s, i }, k) => {
    const row = (read[2 * k] as LockedTaskRow[])[0];
    const steps = read[2 * k + 1] as StoredOutcomeStepRow[];
    if (!row?.step || steps.length === 0) return; // the claim was lost: nothing was written
    planned.push({ i, plan: planAfterOutcome(row, steps, s.outcome, COMPLETED, s.continueWith, s.logger) });
  });
  const planRows = await tx.batch(
    planned.map((p) => p.plan.write.statement),
    { commit: true },
  );
  const applied: (AppliedWorkerOutcome | undefined)[] = successes.map(() => undefined);
  planned.forEach(({ i, plan }, k) => {
    applied[i] = plan.applied((planRows[k] as TaskPlanRow[])[0]);
  });
  return applied;
}

function storeOutcomeStatement(w: WorkerOutcome, decision: StepDecision): Statement<StoredOutcomeStepRow> {
  const { outcome } = w;
  return storeStepOutcomeStatement({
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
}

/** The plan's statement after a stored outcome, and what to make of its answer. */
function planAfterOutcome(
  row: LockedTaskRow,
  steps: StoredOutcomeStepRow[],
  w: WorkerOutcome,
  decision: StepDecision,
  cont: ContinueWith | undefined,
  logger: Logger,
): {
  write: ReturnType<typeof evaluationWrite>;
  applied: (row: TaskPlanRow | undefined) => AppliedWorkerOutcome;
} {
  const { step: before, ...rest } = row;
  const task = rest as TaskRow;
  const step = storedStep(before, w, w.outcome);
  const now = new Date();
  const decidedState = STEP_TRANSITIONS[decision.event].to;
  const log = logger.child({ task_uuid: w.taskUuid, step_uuid: w.stepUuid, step: step.name });
  const stepEvent = stepResultEvent(task, step, w.stepUuid, decision, log);
  const write = evaluationWrite(
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
    },
  );
  return {
    write,
    applied: (planRow) => {
      const evaluation = write.applied(planRow);
      return {
        applied: decision.applied,
        evaluation,
        events: [stepEvent, ...evaluation.events],
        stepName: step.name,
        namespace: task.namespace,
        durationSeconds: attemptSeconds(step),
        next: evaluation.claimed,
      };
    },
  };
}

/** Task uuids in the order PostgreSQL sorts them (bytewise = lowercase hex order). */
function compareUuids(a: string, b: string): number {
  const x = a.toLowerCase();
  const y = b.toLowerCase();
  return x < y ? -1 : x > y ? 1 : 0;
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
