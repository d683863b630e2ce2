import type { StepState } from "../state/step-states.js";
import { TASK_TERMINAL_STATES, type TaskState } from "../state/task-states.js";
import { jsonbCopy } from "../store/jsonb-copy.js";
import {
  CLAIM_STEP_LIST_LIMIT,
  type ClaimedStep,
  type ClaimedStepWithTask,
  type StepRow,
} from "../store/sql/steps.js";
import type { ExpectedTask } from "../store/sql/store-and-plan.js";
import type { TaskRow } from "../store/sql/tasks.js";
import { RUNNING_STATES } from "./plan-task.js";

/** A step as a worker last saw it, with its parents (to count them as they complete). */
export type KnownStep = StepRow & { parent_uuids: string[] };

/**
 * A task as the plan that gave a worker its next step left it, as far as that worker can know.
 * When the step succeeds, the worker plans what follows from this in advance and sends the plan
 * with the result: one round trip instead of two (see storeAndPlanStatement, which writes only if
 * the task is still exactly like this).
 */
export interface KnownTask {
  task: TaskRow;
  /** In position order. */
  steps: KnownStep[];
}

/**
 * States whose planning depends on more than state and attempts (a retry's due time and the
 * clock, a failed step's error text): a task with such a step is planned from what is read.
 */
const PLANNED_FROM_READ: ReadonlySet<StepState> = new Set(["waiting_for_retry", "error"]);

/**
 * A step claimed for a worker, with its task as the statement that claimed it left it: a step the
 * worker goes straight on with, or one its task's creation claimed for it.
 */
export interface KnownClaim {
  step: ClaimedStep;
  known: KnownTask | undefined;
}

/**
 * The task after a plan was written: the steps it enqueued, and the one it claimed for
 * `workerId`. Undefined when nothing was claimed, or when the plan's statement enqueued other
 * steps than planned (a step moved meanwhile: what this worker saw is out of date).
 */
export function knownAfterPlan(p: {
  task: TaskRow;
  /** The steps the plan was made from. */
  steps: readonly KnownStep[];
  ready: readonly string[];
  dispatched: readonly string[];
  claimed: ClaimedStep | undefined;
  workerId: string;
  now: Date;
}): KnownTask | undefined {
  const { claimed } = p;
  if (!claimed) return undefined;
  const dispatched = new Set(p.dispatched);
  if (dispatched.size !== p.ready.length || !p.ready.every((uuid) => dispatched.has(uuid))) return undefined;
  const steps = p.steps.map((s): KnownStep => {
    if (s.workflow_step_uuid === claimed.workflow_step_uuid) return asClaimed(s, claimed, p.workerId, p.now);
    return dispatched.has(s.workflow_step_uuid) ? { ...s, state: "enqueued" } : s;
  });
  return { task: { ...p.task }, steps };
}

/** The step as its claim for `workerId` left it (the claim's own row is not read back). */
function asClaimed(s: KnownStep, claim: ClaimedStep, workerId: string, now: Date): KnownStep {
  return {
    ...s,
    state: "in_progress",
    attempts: claim.attempts,
    claimed_by: workerId,
    last_attempted_at: now,
    next_retry_at: null,
  };
}

const STEP_TIMES = [
  "next_retry_at",
  "last_attempted_at",
  "last_failure_at",
  "claim_expires_at",
  "created_at",
  "updated_at",
  "completed_at",
] as const;
const TASK_TIMES = ["created_at", "updated_at", "completed_at"] as const;

/** JSON timestamps (as `to_jsonb` writes them) back to dates, as the drivers read them. */
function withDates<T>(json: Record<string, unknown>, fields: readonly string[]): T {
  const row: Record<string, unknown> = { ...json };
  for (const f of fields) row[f] = typeof json[f] === "string" ? new Date(json[f]) : null;
  return row as T;
}

/**
 * The task as a claim found it, with the claimed step in progress for `workerId`: the claim does
 * not lock the task, so this may already be out of date (the plan made from it checks).
 * Undefined for a task with more steps than a claim lists.
 */
export function knownAtClaim(claim: ClaimedStepWithTask, workerId: string, now: Date): KnownTask | undefined {
  if (claim.task_steps.length > CLAIM_STEP_LIST_LIMIT) return undefined;
  const task = withDates<TaskRow>({ ...claim.task_row, context: claim.context }, TASK_TIMES);
  const steps = claim.task_steps.map((json) => {
    const s = withDates<KnownStep>(json, STEP_TIMES);
    return s.workflow_step_uuid === claim.workflow_step_uuid ? asClaimed(s, claim, workerId, now) : s;
  });
  return { task, steps };
}

/**
 * A task as its creation wrote it (`parents`: each step's parent uuids): the creating process
 * knows every row. Undefined for a task with more steps than a claim lists, as for a claim.
 */
export function knownAtCreation(
  task: TaskRow,
  steps: readonly StepRow[],
  parents: ReadonlyMap<string, readonly string[]>,
): KnownTask | undefined {
  if (steps.length > CLAIM_STEP_LIST_LIMIT) return undefined;
  return {
    task: { ...task },
    steps: steps.map((s) => ({ ...s, parent_uuids: [...(parents.get(s.workflow_step_uuid) ?? [])] })),
  };
}

/**
 * Whether `w`'s success may be planned from `known`: its step is in progress under this worker's
 * claim on this attempt, the task is running, no step's planning needs more than its state, and
 * no other step is on its way. A branch running beside this one may well finish first: the plan
 * made in advance would then be stale, and trying it costs a transaction that writes nothing
 * (in a fan-out of n, every branch but the first to finish).
 */
export function canPlanAhead(
  known: KnownTask,
  w: { taskUuid: string; stepUuid: string; workerId: string; attempts: number },
): boolean {
  if (known.task.task_uuid !== w.taskUuid || TASK_TERMINAL_STATES.has(known.task.status as TaskState)) {
    return false;
  }
  const step = known.steps.find((s) => s.workflow_step_uuid === w.stepUuid);
  return (
    step?.state === "in_progress" &&
    step.attempts === w.attempts &&
    step.claimed_by === w.workerId &&
    !known.steps.some(
      (s) =>
        PLANNED_FROM_READ.has(s.state as StepState) ||
        (s !== step && RUNNING_STATES.has(s.state as StepState)),
    )
  );
}

/**
 * What the task must still look like in the database for a plan made from `known` to hold: its
 * status, and each step as the planner sees it - a running step (enqueued, claimed, ...) as just
 * running, a pending one with its attempts (they decide whether it may run), any other by its
 * state: the plan depends on nothing else that can change while the step runs.
 * storeAndPlanStatement computes the same keys from the rows.
 */
export function expectedTask(known: KnownTask): ExpectedTask {
  return {
    status: known.task.status,
    steps: [...known.steps].sort((a, b) => a.position - b.position).map(planningKey),
    runningStates: [...RUNNING_STATES],
  };
}

function planningKey(s: StepRow): string {
  if (RUNNING_STATES.has(s.state as StepState)) return "running";
  return s.state === "pending" ? `pending:${s.attempts}` : s.state;
}

/** The step a worker just ran: what its handler was given and returned. */
export interface RanStep {
  name: string;
  /** As stored (already a JSON round trip). */
  result: unknown;
  dependencyResults: Readonly<Record<string, unknown>>;
}

/**
 * The step `keptUuid` as the statement claiming it would return it (see ClaimedStep), built from
 * what the worker knows: the step and its task from `known`, its ancestors' results from the step
 * that just ran (its own result and the results it was given). The claiming statement then only
 * says the attempt it claimed. Undefined when an ancestor's result is not among those (a step of
 * another branch): the statement reads them.
 */
export function claimFromKnown(
  known: KnownTask,
  keptUuid: string,
  ran: RanStep,
): ((attempts: number) => ClaimedStep) | undefined {
  const byUuid = new Map(known.steps.map((s) => [s.workflow_step_uuid, s]));
  const kept = byUuid.get(keptUuid);
  // A step list read without its steps' initialization cannot build the step: the statement does.
  if (!kept || kept.initialization === undefined) return undefined;
  // Its ancestors, from the parents the worker knows (a claim's step list has no ancestor lists).
  const ancestors = new Set<string>();
  const pending = [...kept.parent_uuids];
  for (let uuid = pending.pop(); uuid !== undefined; uuid = pending.pop()) {
    if (ancestors.has(uuid)) continue;
    ancestors.add(uuid);
    const parent = byUuid.get(uuid);
    if (!parent) return undefined;
    pending.push(...parent.parent_uuids);
  }
  const dependencyResults: Record<string, unknown> = {};
  for (const uuid of ancestors) {
    const name = (byUuid.get(uuid) as KnownStep).name;
    if (name === ran.name) dependencyResults[name] = ran.result;
    else if (Object.hasOwn(ran.dependencyResults, name))
      dependencyResults[name] = ran.dependencyResults[name];
    else return undefined;
  }
  return (attempts) => claimedStepOf(known.task, kept, attempts, dependencyResults);
}

/**
 * What a claim statement returns for `step` of `task` claimed on attempt `attempts`, made from rows
 * the worker holds: the step's initialization, the task's context and the dependency results are
 * copies as a read gives them (JSON, in jsonb key order), which the handler may change.
 */
export function claimedStepOf(
  task: TaskRow,
  step: StepRow,
  attempts: number,
  dependencyResults: Readonly<Record<string, unknown>>,
): ClaimedStep {
  return {
    workflow_step_uuid: step.workflow_step_uuid,
    task_uuid: task.task_uuid,
    name: step.name,
    handler_callable: step.handler_callable,
    initialization: jsonbCopy(step.initialization) as Record<string, unknown>,
    attempts,
    max_attempts: step.max_attempts,
    timeout_seconds: step.timeout_seconds,
    task_name: task.name,
    namespace: task.namespace,
    version: task.version,
    correlation_id: task.correlation_id,
    context: jsonbCopy(task.context) as Record<string, unknown>,
    dependency_results: jsonbCopy(dependencyResults) as Record<string, unknown>,
  };
}
