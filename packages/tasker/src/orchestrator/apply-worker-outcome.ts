import { lazyChild } from "../observability/lazy-child.js";
import type { Logger } from "../observability/logger.js";
import type { PlannedFrom } from "../observability/metrics-sink.js";
import { STEP_SATISFIED_STATES, STEP_TRANSITIONS, type StepState } from "../state/step-states.js";
import { TASK_TERMINAL_STATES, type TaskState } from "../state/task-states.js";
import { run, type Statement, type Transaction } from "../store/database.js";
import type { TaskPlanRow } from "../store/sql/apply-task-plan.js";
import {
  type ClaimedStep,
  type StepOutcomeWrite,
  type StepRow,
  type StoredOutcomeStepRow,
  storeStepOutcomeStatement,
} from "../store/sql/steps.js";
import { type StoreAndPlanRow, storeAndPlanStatement } from "../store/sql/store-and-plan.js";
import {
  type LockedTaskRow,
  lockTaskStatement,
  lockTaskWithStepStatement,
  type TaskRow,
} from "../store/sql/tasks.js";
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
import {
  canPlanAhead,
  claimFromKnown,
  expectedTask,
  type KnownStep,
  type KnownTask,
  knownAfterPlan,
} from "./known-task.js";

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
 * What storing an outcome did, and the step its worker goes on with (if it asked to), with the
 * task as that worker knows it from there (to plan that step's success in advance).
 */
export type AppliedWorkerOutcome = ResultOutcome & {
  next: ClaimedStep | undefined;
  known?: KnownTask | undefined;
  /** Where the plan written with the outcome came from. */
  plannedFrom: PlannedFrom;
};

/** A worker's successful attempt (see {@link applyWorkerSuccesses}). */
export interface WorkerSuccess {
  outcome: WorkerOutcome & { outcome: { ok: true } };
  /** Claim a step the result made ready for this worker instead of announcing it. */
  continueWith?: ContinueWith | undefined;
  /** The task as the plan that gave this worker the step left it: plan the success in advance. */
  known?: KnownTask | undefined;
  /**
   * What the step's handler was given: with `known`, the worker builds the step it goes on with
   * itself where that step's dependencies' results are all among them (see claimFromKnown).
   */
  dependencyResults?: Readonly<Record<string, unknown>> | undefined;
  logger: Logger;
}

/**
 * An entry of {@link applyWorkerSuccesses} whose success was planned in advance from a task that
 * has moved since: nothing of it was written. Store it again without `known`.
 */
export const KNOWN_TASK_CHANGED = "known_task_changed";

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
    return applied === KNOWN_TASK_CHANGED ? undefined : applied; // not planned in advance: never
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
  const { step: before, ...task } = row;
  const planned = planAfterOutcome(
    task as TaskRow,
    before,
    steps,
    w,
    decision,
    opts.continueWith,
    opts.logger,
  );
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
 *
 * A success whose task the worker knows (see {@link KnownTask}) is planned in advance and its
 * plan sent with the store (after the lock, except where no other transaction can run), in one
 * statement that writes only if the task has not moved since:
 * when every success of the batch is, the first round trip commits and there is no second. An
 * entry whose task had moved is {@link KNOWN_TASK_CHANGED}.
 */
export async function applyWorkerSuccesses(
  tx: Transaction,
  successes: readonly WorkerSuccess[],
): Promise<(AppliedWorkerOutcome | undefined | typeof KNOWN_TASK_CHANGED)[]> {
  const order = successes
    .map((s, i) => ({ s, i, ahead: planAhead(s) }))
    .sort((a, b) => compareUuids(a.s.outcome.taskUuid, b.s.outcome.taskUuid));
  order.forEach((o, k) => {
    if (k > 0 && order[k - 1]?.s.outcome.taskUuid === o.s.outcome.taskUuid) {
      throw new Error(
        `task ${o.s.outcome.taskUuid} has two outcomes in one batch; store them one after the other`,
      );
    }
  });
  const allAhead = order.every((o) => o.ahead);
  // Each entry's statements: the task's lock (its own statement, so that the store's snapshot is
  // taken after it), then the store. A plan made in advance needs the lock only to wait for
  // other transactions: where none can run (tx.serial), it goes alone.
  const statements = order.map(({ s: { outcome: w }, ahead }) =>
    ahead
      ? tx.serial
        ? [ahead.statement]
        : [lockTaskStatement(w.taskUuid), ahead.statement]
      : [lockTaskWithStepStatement(w.taskUuid, w.stepUuid), storeOutcomeStatement(w, COMPLETED)],
  );
  const read = await tx.batch(statements.flat(), { commit: allAhead });
  const applied: (AppliedWorkerOutcome | undefined | typeof KNOWN_TASK_CHANGED)[] = successes.map(
    () => undefined,
  );
  const planned: { i: number; plan: ReturnType<typeof planAfterOutcome> }[] = [];
  let at = 0; // the entry's first statement in `read`
  order.forEach(({ s, i, ahead }, k) => {
    const first = at;
    at += (statements[k] as unknown[]).length;
    if (ahead) {
      const row = (read[at - 1] as StoreAndPlanRow[])[0];
      if (row && ahead.claim && row.claimed_attempts !== null)
        row.claimed = ahead.claim(row.claimed_attempts);
      if (!row?.current) applied[i] = KNOWN_TASK_CHANGED;
      else if (row.stored) applied[i] = { ...ahead.plan.applied(row), plannedFrom: "known" };
      return; // else the claim was lost: nothing was written
    }
    const row = (read[first] as LockedTaskRow[])[0];
    const steps = read[first + 1] as StoredOutcomeStepRow[];
    if (!row?.step || steps.length === 0) return; // the claim was lost: nothing was written
    const { step, ...task } = row;
    planned.push({
      i,
      plan: planAfterOutcome(task as TaskRow, step, steps, s.outcome, COMPLETED, s.continueWith, s.logger),
    });
  });
  if (allAhead) return applied;
  const planRows = await tx.batch(
    planned.map((p) => p.plan.write.statement),
    { commit: true },
  );
  planned.forEach(({ i, plan }, k) => {
    applied[i] = plan.applied((planRows[k] as TaskPlanRow[])[0]);
  });
  return applied;
}

/**
 * Stores successes as {@link applyWorkerSuccesses} does, each transaction through `transaction`,
 * and those planned in advance from a task that had moved once more, planned from what is read,
 * in a second transaction. An entry is rejected when its transaction failed: if the first one
 * did, all are (nothing was written); if the second one did, only the entries it was storing are
 * - the others are committed, and storing them again would find their claims gone.
 */
export async function storeWorkerSuccesses(
  transaction: <T>(fn: (tx: Transaction) => Promise<T>) => Promise<T>,
  successes: readonly WorkerSuccess[],
): Promise<PromiseSettledResult<AppliedWorkerOutcome | undefined>[]> {
  let first: Awaited<ReturnType<typeof applyWorkerSuccesses>>;
  try {
    first = await transaction((tx) => applyWorkerSuccesses(tx, successes));
  } catch (reason) {
    return successes.map(() => ({ status: "rejected", reason }));
  }
  const settled: PromiseSettledResult<AppliedWorkerOutcome | undefined>[] = first.map((value) => ({
    status: "fulfilled",
    value: value === KNOWN_TASK_CHANGED ? undefined : value,
  }));
  const again = successes.flatMap((s, i) => (first[i] === KNOWN_TASK_CHANGED ? [{ s, i }] : []));
  if (again.length === 0) return settled;
  try {
    const second = await transaction((tx) =>
      applyWorkerSuccesses(
        tx,
        again.map(({ s }) => ({ ...s, known: undefined })),
      ),
    );
    again.forEach(({ s, i }, k) => {
      s.logger.debug("the task moved since this step was claimed: its plan was made again from the database");
      const r = second[k];
      settled[i] = {
        status: "fulfilled",
        value: r && r !== KNOWN_TASK_CHANGED ? { ...r, plannedFrom: "known_changed" } : undefined,
      };
    });
  } catch (reason) {
    for (const { i } of again) settled[i] = { status: "rejected", reason };
  }
  return settled;
}

/** The success's statement and plan, made in advance from the task its worker knows, if it may be. */
function planAhead(s: WorkerSuccess):
  | {
      statement: Statement<StoreAndPlanRow>;
      plan: ReturnType<typeof planAfterOutcome>;
      /** Builds the step the plan claims, from its claimed attempt (when the worker knows the rest). */
      claim: ((attempts: number) => ClaimedStep) | undefined;
    }
  | undefined {
  const { known, outcome: w } = s;
  if (!known || !canPlanAhead(known, w)) return undefined;
  const before = known.steps.find((x) => x.workflow_step_uuid === w.stepUuid);
  if (!before) return undefined;
  const step = { ...before, last_attempted_at: before.last_attempted_at?.toISOString() ?? null };
  const plan = planAfterOutcome({ ...known.task }, step, known.steps, w, COMPLETED, s.continueWith, s.logger);
  const { keep, claimFor } = plan.write.write;
  const claim =
    keep !== null && claimFor && s.dependencyResults
      ? claimFromKnown(known, keep, {
          name: before.name,
          result: w.outcome.result,
          dependencyResults: s.dependencyResults,
        })
      : undefined;
  return {
    statement: storeAndPlanStatement(
      storeOutcomeWrite(w, COMPLETED),
      plan.write.write,
      expectedTask(known),
      claim !== undefined,
    ),
    plan,
    claim,
  };
}

function storeOutcomeStatement(w: WorkerOutcome, decision: StepDecision): Statement<StoredOutcomeStepRow> {
  return storeStepOutcomeStatement(storeOutcomeWrite(w, decision));
}

function storeOutcomeWrite(w: WorkerOutcome, decision: StepDecision): StepOutcomeWrite {
  const { outcome } = w;
  return {
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
  };
}

/** The plan's statement after a stored outcome, and what to make of its answer. */
function planAfterOutcome(
  task: TaskRow,
  before: LockedTaskRow["step"],
  steps: readonly KnownStep[],
  w: WorkerOutcome,
  decision: StepDecision,
  cont: ContinueWith | undefined,
  logger: Logger,
): {
  write: ReturnType<typeof evaluationWrite>;
  applied: (row: TaskPlanRow | undefined) => AppliedWorkerOutcome;
} {
  const step = storedStep(before, w, w.outcome);
  const now = new Date();
  const decidedState = STEP_TRANSITIONS[decision.event].to;
  const log = lazyChild(logger, { task_uuid: w.taskUuid, step_uuid: w.stepUuid, step: step.name });
  const stepEvent = stepResultEvent(task, step, w.stepUuid, decision, log);
  const patched = patchStored(
    steps,
    w.stepUuid,
    { state: decidedState, error: step.error, retryDelayMs: decision.retryDelayMs },
    now,
  );
  const write = evaluationWrite(task, patched, now, {
    precedingEvents: [stepEvent],
    keep: cont ? (ready) => ready.find(cont.canRun)?.workflow_step_uuid : undefined,
    claimFor: cont ? { workerId: w.workerId, leaseSeconds: cont.leaseSeconds } : undefined,
  });
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
        plannedFrom: "read",
        known: knownAfterPlan({
          task: evaluation.task,
          steps: patched,
          ready: evaluation.plan.ready.map((r) => r.uuid),
          dispatched: evaluation.dispatched,
          claimed: evaluation.claimed,
          workerId: w.workerId,
          now,
        }),
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
  steps: readonly KnownStep[],
  stepUuid: string,
  stored: { state: StepState; error: StoredStep["error"]; retryDelayMs: number | null },
  now: Date,
): KnownStep[] {
  const { state, retryDelayMs } = stored;
  const satisfied = STEP_SATISFIED_STATES.has(state);
  return steps.map((s) => {
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
    return satisfied && s.parent_uuids.includes(stepUuid)
      ? { ...s, completed_parents: s.completed_parents + 1 }
      : s;
  });
}
