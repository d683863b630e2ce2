import { STEP_COMPLETED, STEP_FAILED, STEP_RETRY_SCHEDULED } from "../events/event-names.js";
import type { LifecycleEvent } from "../events/lifecycle-events.js";
import { unboundFields } from "../observability/lazy-child.js";
import type { Logger } from "../observability/logger.js";
import { STEP_SATISFIED_STATES, STEP_TRANSITIONS, type StepState } from "../state/step-states.js";
import { TASK_TERMINAL_STATES, type TaskState } from "../state/task-states.js";
import { run, type Statement, type Transaction } from "../store/database.js";
import {
  type AdvancedRow,
  advanceTasksStatement,
  type ClaimedRow,
  lockTasksStatement,
  type OutcomeWrite,
} from "../store/sql/advance-tasks.js";
import { cancelNotStartedSiblingsStatement } from "../store/sql/batch-instances.js";
import {
  type ClaimedStep,
  type FailingStepRow,
  failingStepsStatement,
  type StepRow,
  storeStepOutcomeStatement,
} from "../store/sql/steps.js";
import { lockTaskWithStepStatement, type TaskRow } from "../store/sql/tasks.js";
import {
  type AttemptOutcome,
  COMPLETED,
  decideFailedAttempt,
  type FailedStep,
  type StepDecision,
} from "./decide-outcome.js";
import { applyStepCreations, carriesStepCreation } from "./decision-outcomes.js";
import { evaluationWrite, taskEvent } from "./evaluate-task.js";
import { defineLazy, type HandedOn } from "./handed-on.js";

/** One attempt's outcome, as its worker hands it over to be stored. */
export interface OutcomeToStore {
  taskUuid: string;
  stepUuid: string;
  /** The claim this outcome belongs to: only its holder, on this attempt, may store it. */
  workerId: string;
  attempts: number;
  /** The delivery's queue row (queue tables), deleted with the outcome. */
  outboxMsgId: string | null;
  outcome: AttemptOutcome;
  /** Claim a step the outcome makes ready for this worker, instead of announcing it. */
  continueWith?: ContinueWith | undefined;
  /** How many steps depend on this one, when known (ClaimedStep.child_count). */
  childCount?: number | undefined;
  /** Recorded on the outcome's own transition (`succeed` or `fail`) besides the worker's id. */
  metadata?: Record<string, unknown> | undefined;
  /** Where a failure's decision is logged (default: the store's logger). */
  log?: Logger | undefined;
  /**
   * Store it only once the claim's lease is over: an outcome stored in the name of a worker that
   * died (see Orchestrator's sweep). planFromSteps, the reference, does not check it.
   */
  onlyIfLeaseExpired?: boolean | undefined;
}

/**
 * A worker that has just finished a step may go straight on with one its outcome made ready: it is
 * claimed in the same statement instead of being announced, read and claimed again. Its lease
 * covers a crash as usual.
 */
export interface ContinueWith {
  leaseSeconds: number;
  /** The callables of the handlers the worker has (it goes on only with a step it can run). */
  handlers: readonly string[];
  /**
   * The step that ran, as its claim gave it, and what it was given (taken before it ran): the step
   * gone on with is then built from them rather than read, when its dependencies are that step and
   * that step's own (a chain).
   */
  ran?: { step: ClaimedStep; given: HandedOn } | undefined;
}

/** What storing an outcome did. */
export interface StoredOutcome {
  applied: StepDecision["applied"];
  stepName: string;
  namespace: string;
  /** How long the attempt took, from its claim. */
  durationSeconds: number | undefined;
  /** The task's status once the outcome was applied. */
  taskStatus: string;
  /** This outcome ended its task (said of one outcome per task). */
  taskFinished: boolean;
  /** The step claimed for the worker to go on with. */
  next: ClaimedStep | undefined;
  /**
   * The instances of its batch a fail_fast instance's failure for good cancelled, in the same
   * commit: its task is to be re-evaluated then (see reevaluateStoppedBatch).
   */
  batchCancelled?: number;
  /** What `next` was built from (see ContinueWith.ran), to build the step after it. */
  nextHandedOn?: HandedOn | undefined;
  /**
   * `next` was built from the step that ran, but its dependencies' results are not all that step's:
   * read them (see readDependencyResults) before running it.
   */
  nextNeedsDependencies?: boolean;
}

export interface StoreOptions {
  /** Random spread added to retry backoffs, in percent. */
  jitterPercent: number;
  logger: Logger;
}

/**
 * Stores attempts' outcomes and advances their tasks: the step moves `in_progress -> succeed|fail
 * -> complete|waiting_for_retry|error` (the retry policy decides on a failure), the steps made
 * ready are dispatched (or one claimed for the worker going on), the task moves, and lifecycle
 * events are published - all in `tx`, which `store` commits. Nothing is written for an outcome
 * whose worker no longer holds the claim on that attempt (its lease passed to another): its entry
 * is undefined. Every decision about a task is taken under its row lock.
 *
 * Two planners store the same rows: {@link planFromSteps}, the reference, reads every step of the
 * task and plans with planTask; {@link planFromCounts}, which the engine uses, plans from what
 * changed (test/engine/planners.test.ts runs both side by side).
 */
export interface OutcomePlanner {
  readonly name: "from_counts" | "from_steps";
  store(
    tx: Transaction,
    outcomes: readonly OutcomeToStore[],
    opts: StoreOptions,
  ): Promise<(StoredOutcome | undefined)[]>;
}

/**
 * Plans from what changed, whatever the width or length of the task (store/sql/advance-tasks.ts):
 * one statement for all the outcomes (any tasks, several of one task), after the tasks' locks, in
 * the same round trip (PGlite, whose one session runs transactions one after another, needs no
 * lock). A failure is decided on its step's retry settings and its task's status, read under the
 * lock first: one round trip more.
 */
export const planFromCounts: OutcomePlanner = {
  name: "from_counts",
  async store(tx, given, opts) {
    const tasks = [...new Set(given.map((o) => o.taskUuid))];
    const lock: Statement<unknown>[] = tx.serial ? [] : [lockTasksStatement(tasks)];
    let outcomes = given;
    let creations: Statement<unknown>[] = [];
    let locked = false;
    if (given.some(carriesStepCreation)) {
      // A decision's steps are planned under the lock and created before its outcome is stored.
      ({ outcomes, creations } = await applyStepCreations(tx, given, lock));
      locked = true;
    }
    const failed = outcomes.filter((o) => !o.outcome.ok);
    let decisions: (StepDecision | undefined)[] = outcomes.map(() => COMPLETED);
    // Failures for good of fail_fast batch instances: their batch stops in the commit that stores them.
    const stops: { i: number; statement: Statement<{ cancelled: number }> }[] = [];
    if (failed.length > 0) {
      const read = await tx.batch([
        ...(locked ? [] : lock),
        failingStepsStatement(failed.map((o) => o.stepUuid)),
      ]);
      locked = true;
      const steps = new Map((read.at(-1) as FailingStepRow[]).map((s) => [s.workflow_step_uuid, s]));
      decisions = outcomes.map((o) => {
        if (o.outcome.ok) return COMPLETED;
        const step = steps.get(o.stepUuid);
        // The claim is lost: the statement writes nothing of it either.
        if (!step || !holdsClaim(step, o)) return undefined;
        return decideFailure(step, o, opts, TASK_TERMINAL_STATES.has(step.task_status as TaskState));
      });
      outcomes.forEach((o, i) => {
        if (decisions[i]?.applied === "failed" && steps.get(o.stepUuid)?.batch_strategy === "fail_fast")
          stops.push({ i, statement: cancelNotStartedSiblingsStatement(o.taskUuid, o.stepUuid) });
      });
    }
    const writes = outcomes.flatMap((o, i) => {
      const decision = decisions[i];
      return decision ? [outcomeWrite(o, decision)] : [];
    });

    const stored: (StoredOutcome | undefined)[] = outcomes.map(() => undefined);
    if (writes.length === 0) return stored;
    const statement = advanceTasksStatement(writes, new Date());
    const answers = await tx.batch(
      [...(locked ? [] : lock), ...creations, statement, ...stops.map((s) => s.statement)],
      { commit: true },
    );
    const rows = answers.at(-1 - stops.length) as AdvancedRow[];
    let k = 0;
    outcomes.forEach((_, i) => {
      const decision = decisions[i];
      if (!decision) return;
      const row = rows[k++];
      if (!row?.stored) return;
      const built = row.claimed_row ? builtNext(row.claimed_row, outcomes[i] as OutcomeToStore) : undefined;
      stored[i] = {
        applied: decision.applied,
        stepName: row.step_name ?? "",
        namespace: row.namespace ?? "",
        durationSeconds: row.attempt_seconds ?? undefined,
        taskStatus: row.task_status ?? "",
        taskFinished: row.task_finished,
        next: built?.step ?? row.claimed ?? undefined,
        nextHandedOn: built?.handedOn,
        ...(built?.needsDependencies ? { nextNeedsDependencies: true } : {}),
      };
    });
    stops.forEach((s, j) => {
      const cancelled = (answers.at(-stops.length + j) as { cancelled: number }[])[0]?.cancelled ?? 0;
      const at = stored[s.i];
      if (at && cancelled > 0) at.batchCancelled = cancelled;
    });
    return stored;
  },
};

/**
 * The reference: each outcome stored as planTask plans it from every step of its task (its lock,
 * then a statement that stores it and reads the steps, then the plan's statement). Simple, and its
 * cost grows with the task; {@link planFromCounts} must store the same rows.
 */
export const planFromSteps: OutcomePlanner = {
  name: "from_steps",
  async store(tx, outcomes, opts) {
    const stored: (StoredOutcome | undefined)[] = [];
    for (const given of outcomes) {
      const [row] = await run(tx, lockTaskWithStepStatement(given.taskUuid, given.stepUuid));
      let o = given;
      if (carriesStepCreation(given)) {
        const {
          outcomes: [applied],
          creations,
        } = await applyStepCreations(tx, [given], []);
        o = applied as OutcomeToStore;
        for (const creation of creations) await run(tx, creation);
      }
      const step = row?.step as (FailingStepRow & StepRow) | null | undefined;
      if (!row || !step || !holdsClaim(step, o)) {
        stored.push(undefined);
        continue;
      }
      const { step: _step, ...task } = row;
      const decision = o.outcome.ok
        ? COMPLETED
        : decideFailure(step, o, opts, TASK_TERMINAL_STATES.has(task.status as TaskState));
      const steps = await run(tx, storeStepOutcomeStatement(outcomeWrite(o, decision)));
      if (steps.length === 0) {
        stored.push(undefined); // the claim was lost meanwhile
        continue;
      }
      const now = new Date();
      const decided = STEP_TRANSITIONS[decision.event].to;
      const patched = patchStored(steps, o.stepUuid, decided, o, decision.retryDelayMs, now);
      const evaluation = evaluationWrite(task as TaskRow, patched, now, {
        claimFor: o.continueWith && { workerId: o.workerId, ...o.continueWith },
        precedingEvents: [stepEvent(task as TaskRow, step, o, decision)],
      });
      const [planRows] = await tx.batch([evaluation.statement] as const);
      const applied = evaluation.applied(planRows[0]);
      const [stop] =
        decision.applied === "failed"
          ? await run(tx, cancelNotStartedSiblingsStatement(o.taskUuid, o.stepUuid))
          : [];
      const last = applied.plan.transitions.at(-1);
      stored.push({
        applied: decision.applied,
        stepName: step.name,
        namespace: task.namespace,
        durationSeconds: step.last_attempted_at
          ? (Date.now() - Date.parse(String(step.last_attempted_at))) / 1000
          : undefined,
        taskStatus: applied.task.status,
        taskFinished: last !== undefined && TASK_TERMINAL_STATES.has(last.to),
        next: applied.claimed,
        ...(stop && stop.cancelled > 0 ? { batchCancelled: stop.cancelled } : {}),
      });
    }
    return stored;
  },
};

/**
 * The step a worker goes on with, as a claim statement returns it (ClaimedStep), built from its own
 * columns and the step that ran: the same task (its context a copy as a read gives it), and as
 * dependencies' results those the ran step was given and its own result (a chain), or, for a
 * failure retried at once, the same step's. Values are copies in jsonb key order, so the handler
 * sees what a read gives. When its dependencies are not all those, they are left to be read.
 */
function builtNext(
  row: ClaimedRow,
  o: OutcomeToStore,
): { step: ClaimedStep; handedOn: HandedOn | undefined; needsDependencies: boolean } | undefined {
  const ran = o.continueWith?.ran;
  if (!ran) return undefined;
  const sameStep = row.workflow_step_uuid === ran.step.workflow_step_uuid;
  const handedOn = sameStep
    ? ran.given
    : o.outcome.ok && row.covered
      ? ran.given.withResult(ran.step.name, o.outcome.result)
      : undefined;
  const step: ClaimedStep = {
    workflow_step_uuid: row.workflow_step_uuid,
    task_uuid: ran.step.task_uuid,
    name: row.name,
    handler_callable: row.handler_callable,
    initialization: row.initialization,
    attempts: row.attempts,
    max_attempts: row.max_attempts,
    timeout_seconds: row.timeout_seconds,
    child_count: row.child_count,
    task_name: ran.step.task_name,
    namespace: ran.step.namespace,
    version: ran.step.version,
    correlation_id: ran.step.correlation_id,
    context: ran.given.context(),
    dependency_results: {},
  };
  // Made when the handler reads them: along a chain they are every ancestor's result.
  if (handedOn) defineLazy(step, "dependency_results", () => handedOn.dependencyResults());
  return { step, handedOn, needsDependencies: handedOn === undefined };
}

function holdsClaim(
  step: Pick<FailingStepRow, "state" | "claimed_by" | "attempts">,
  o: OutcomeToStore,
): boolean {
  return step.state === "in_progress" && step.claimed_by === o.workerId && step.attempts === o.attempts;
}

/** The retry policy's decision on a failed attempt, logged as the step's failure. */
function decideFailure(
  step: FailedStep,
  o: OutcomeToStore,
  opts: StoreOptions,
  taskFinished: boolean,
): StepDecision {
  if (o.outcome.ok) return COMPLETED;
  const decision = decideFailedAttempt(step, o.outcome.error, opts.jitterPercent, taskFinished);
  const log = o.log ?? opts.logger.child({ task_uuid: o.taskUuid, step_uuid: o.stepUuid });
  if (decision.applied === "retry_scheduled") {
    log.info(
      unboundFields(log, { attempt: o.attempts, delay_ms: decision.retryDelayMs }),
      "step failed; retry scheduled",
    );
  } else {
    log.warn(
      unboundFields(log, {
        attempt: o.attempts,
        reason: decision.metadata.reason,
        error: o.outcome.error.message,
      }),
      "step failed",
    );
  }
  return decision;
}

function outcomeWrite(o: OutcomeToStore, decision: StepDecision): OutcomeWrite {
  const { outcome } = o;
  return {
    taskUuid: o.taskUuid,
    stepUuid: o.stepUuid,
    workerId: o.workerId,
    attempts: o.attempts,
    ok: outcome.ok,
    payload: outcome.ok ? outcome.result : outcome.error,
    stored: {
      event: outcome.ok ? "succeed" : "fail",
      metadata: { ...o.metadata, worker_id: o.workerId },
    },
    decided: { event: decision.event, metadata: decision.metadata },
    retryDelayMs: decision.retryDelayMs,
    outboxMsgId: o.outboxMsgId,
    // A worker that knows the step that ran builds the step it goes on with (see builtNext).
    continueWith: o.continueWith && {
      leaseSeconds: o.continueWith.leaseSeconds,
      handlers: o.continueWith.handlers,
      buildsNext: o.continueWith.ran !== undefined,
    },
    onlyIfLeaseExpired: o.onlyIfLeaseExpired,
    childCount: o.childCount,
  };
}

/** The step's lifecycle event for a decision on its outcome. */
function stepEvent(task: TaskRow, step: { name: string }, o: OutcomeToStore, decision: StepDecision) {
  const error = o.outcome.ok ? undefined : o.outcome.error.message;
  const name: LifecycleEvent["event"] =
    decision.applied === "completed"
      ? STEP_COMPLETED
      : decision.applied === "retry_scheduled"
        ? STEP_RETRY_SCHEDULED
        : STEP_FAILED;
  return taskEvent(task, name, { uuid: o.stepUuid, name: step.name, error });
}

/** A step as the statement that stored an outcome read it, with the uuids of its parents. */
type StepWithParents = StepRow & { parent_uuids: string[] };

/**
 * The steps as the outcome leaves them: the statement that stored it read them before (its
 * snapshot), so apply the stored step's new state, and, when it is done, one more completed parent
 * for each of its children.
 */
export function patchStored(
  steps: readonly StepWithParents[],
  stepUuid: string,
  state: StepState,
  o: Pick<OutcomeToStore, "outcome">,
  retryDelayMs: number | null,
  now: Date,
): StepWithParents[] {
  const satisfied = STEP_SATISFIED_STATES.has(state);
  return steps.map((s) => {
    if (s.workflow_step_uuid === stepUuid) {
      return {
        ...s,
        state,
        error: o.outcome.ok ? null : (o.outcome.error as StepRow["error"]),
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
