import { STEP_TRANSITIONS } from "../../state/step-states.js";
import type { Statement } from "../database.js";
import { eventPayloadsParam, notifyEach } from "./events.js";
import { builtPerShape, numberUsedParams, type ParamRefs, paramValues } from "./numbered-params.js";
import { stepSignalCte } from "./queue.js";
import { assembleCtes, type StatementPart } from "./step-transition-rows.js";
import { CLAIMED_STEP_COLUMNS, type ClaimedStep } from "./steps.js";

/** Everything one evaluation of a task writes (see lifecycle/evaluate-task.ts). */
export interface TaskPlanWrite {
  taskUuid: string;
  /** Steps to enqueue (`pending | waiting_for_retry -> enqueued`), re-checked under their row lock. */
  ready: readonly string[];
  /** The namespace queue their signals go to, and the task's correlation id for the message. */
  queue: string;
  correlationId: string;
  /**
   * A ready step claimed for a worker going straight on with it (`enqueued -> in_progress`, a
   * lease), in this statement, instead of being enqueued and signalled.
   */
  claim: { stepUuid: string; workerId: string; leaseSeconds: number } | null;
  /** Task transitions to append, ending in `status`; none when the task stays where it is. */
  transitions: readonly { from: string; to: string; event: string }[];
  status: string | null;
  /** undefined leaves the task's error as it is. */
  error: string | null | undefined;
  terminal: boolean;
  /** A re-evaluation request for when the earliest waiting retry is due. */
  wakeUp: { queue: string; message: unknown; delayMs: number } | null;
  /** NOTIFY payloads of lifecycle events (delivered after commit). */
  eventPayloads: readonly string[];
  /** The task's step counts once the plan is written (see migration 010), when they changed. */
  counts: TaskStepCounts | null;
  /** Steps whose count of unfinished parents is not what their parents' states give, with that count. */
  parentCounts: readonly { uuid: string; unfinished: number }[];
}

/** A task's steps counted by what the planner makes of them (tasks.steps_* columns). */
export interface TaskStepCounts {
  done: number;
  failed: number;
  waiting: number;
  running: number;
}

/** What a plan's statement answers: the steps it enqueued, and the one it claimed. */
export interface TaskPlanRow {
  dispatched: string[] | null;
  claimed: ClaimedStep | null;
}

export interface AppliedTaskPlan {
  dispatched: string[];
  claimed: ClaimedStep | undefined;
}

/** What a plan's statement did, from its row. */
export function appliedTaskPlan(row: TaskPlanRow | undefined): AppliedTaskPlan {
  const dispatched = row?.dispatched ?? [];
  if (row?.claimed) dispatched.push(row.claimed.workflow_step_uuid);
  return { dispatched, claimed: row?.claimed ?? undefined };
}

/** The named parameters of {@link taskPlanPart}. */
export const TASK_PLAN_PARAMS = [
  "taskUuid",
  "ready",
  "enqueueFrom",
  "enqueueState",
  "queue",
  "correlationId",
  "claimed",
  "transitions",
  "status",
  "setError",
  "error",
  "terminal",
  "wakeQueue",
  "wakeMessage",
  "wakeDelayMs",
  "eventPayloads",
  "claimWorker",
  "leaseSeconds",
  "claimState",
  "done",
  "failed",
  "waiting",
  "running",
  "parentCounts",
] as const;
export type TaskPlanParam = (typeof TASK_PLAN_PARAMS)[number];

/**
 * Which parts of a plan's statement a plan writes with. The others are left out of its text: a
 * writing CTE costs its set-up (relations and indexes opened, plan nodes built) on every
 * execution even when it writes nothing, which on PGlite was ~8 % of a step's backend time.
 */
export interface TaskPlanShape {
  /** Steps to enqueue besides the claimed one. */
  enqueue: boolean;
  /** A step claimed in the same statement. */
  claim: boolean;
  taskTransitions: boolean;
  /** The task's row changes (its status, or its step counts). */
  task: boolean;
  wake: boolean;
  events: boolean;
  /** Steps' counts of unfinished parents to set right. */
  parentCounts: boolean;
}

export function taskPlanShape(w: TaskPlanWrite): TaskPlanShape {
  return {
    enqueue: w.ready.some((uuid) => uuid !== w.claim?.stepUuid),
    claim: w.claim !== null,
    taskTransitions: w.transitions.length > 0,
    task: w.status !== null || w.counts !== null,
    wake: w.wakeUp !== null,
    events: w.eventPayloads.length > 0,
    parentCounts: w.parentCounts.length > 0,
  };
}

/** A key naming a shape, for the statement texts built once per shape. */
function taskPlanShapeKey(shape: TaskPlanShape): string {
  return `${+shape.enqueue}${+shape.claim}${+shape.taskTransitions}${+shape.task}${+shape.wake}${+shape.events}${+shape.parentCounts}`;
}

/**
 * The part that writes a plan of `shape`: `upd`/`signal` enqueue the ready steps, `task_tr` and
 * `task_upd` move the task (and set its step counts), `wake` schedules the retry wake-up, `events`
 * publishes, `claimed_upd` claims the step to claim and `parents` sets steps' counts of unfinished parents
 * right; the steps' transition rows are the statement's one insert (see step-transition-rows.ts). A
 * step moves only from the state this statement's snapshot saw (`o`): the UPDATE checks its
 * condition again on the row's newest version when it had to wait for it, so `from_state` is the
 * state it left. A step enqueued or claimed has no unfinished parent.
 */
function taskPlanPart(p: ParamRefs<TaskPlanParam>, shape: TaskPlanShape): StatementPart {
  const ctes: string[] = [];
  const stepTransitions: string[] = [];
  if (shape.enqueue) {
    ctes.push(`upd AS (
       UPDATE tasker.workflow_steps s SET state = ${p.enqueueState}, updated_at = now(), unfinished_parents = 0
         FROM tasker.workflow_steps o
        WHERE o.workflow_step_uuid = ANY(${p.ready}::uuid[]) AND o.state = ANY(${p.enqueueFrom}::text[])
          AND o.workflow_step_uuid IS DISTINCT FROM ${p.claimed}::uuid
          AND s.workflow_step_uuid = o.workflow_step_uuid AND s.state = o.state
       RETURNING s.workflow_step_uuid, s.task_uuid, o.state AS from_state, s.attempts
     ), ${stepSignalCte({ from: "upd", queue: p.queue, correlationId: `${p.correlationId}::text` })}`);
    stepTransitions.push(
      `SELECT workflow_step_uuid, task_uuid, from_state, ${p.enqueueState}::text, 'enqueue'::text,
              jsonb_build_object('by', 'orchestrator', 'attempt', attempts) FROM upd`,
    );
  }
  if (shape.taskTransitions) {
    ctes.push(`task_tr AS (
       INSERT INTO tasker.task_transitions (task_uuid, from_state, to_state, event, metadata)
       SELECT ${p.taskUuid}, e->>'from', e->>'to', e->>'event', '{}'::jsonb
         FROM jsonb_array_elements(${p.transitions}::jsonb) WITH ORDINALITY AS x(e, n)
        ORDER BY n
     )`);
  }
  if (shape.task) {
    ctes.push(`task_upd AS (
       UPDATE tasker.tasks
          SET status = coalesce(${p.status}, status), updated_at = now(),
              error = CASE WHEN ${p.setError}::boolean THEN ${p.error} ELSE error END,
              completed_at = CASE WHEN ${p.status}::text IS NULL THEN completed_at
                                  WHEN ${p.terminal}::boolean THEN now() ELSE NULL END,
              steps_done = coalesce(${p.done}::int, steps_done), steps_failed = coalesce(${p.failed}::int, steps_failed),
              steps_waiting = coalesce(${p.waiting}::int, steps_waiting),
              steps_running = coalesce(${p.running}::int, steps_running)
        WHERE task_uuid = ${p.taskUuid}
     )`);
  }
  if (shape.parentCounts) {
    ctes.push(`parents AS (
       UPDATE tasker.workflow_steps s SET unfinished_parents = x.unfinished
         FROM jsonb_to_recordset(${p.parentCounts}::jsonb) AS x(uuid uuid, unfinished int)
        WHERE s.workflow_step_uuid = x.uuid
     )`);
  }
  if (shape.wake) {
    ctes.push(`wake AS (
       INSERT INTO tasker.queue_messages (queue_name, message, visible_at)
       SELECT ${p.wakeQueue}, ${p.wakeMessage}::jsonb, now() + make_interval(secs => ${p.wakeDelayMs}::float8 / 1000.0)
     )`);
  }
  if (shape.events) {
    ctes.push(`events AS (
       SELECT ${notifyEach(p.eventPayloads)}
     )`);
  }
  if (shape.claim) {
    ctes.push(`claimed_upd AS (
       UPDATE tasker.workflow_steps s
          SET state = ${p.claimState}, attempts = s.attempts + 1, claimed_by = ${p.claimWorker}, updated_at = now(),
              claim_expires_at = now() + make_interval(secs => ${p.leaseSeconds}::float8), last_attempted_at = now(),
              next_retry_at = NULL, unfinished_parents = 0
         FROM tasker.workflow_steps o
        WHERE o.workflow_step_uuid = ${p.claimed}::uuid AND o.state = ANY(${p.enqueueFrom}::text[])
          AND s.workflow_step_uuid = o.workflow_step_uuid AND s.state = o.state
       RETURNING s.*, o.state AS from_state
     )`);
    stepTransitions.push(
      `SELECT u.workflow_step_uuid, u.task_uuid, u.from_state, ${p.enqueueState}::text, 'enqueue'::text,
              jsonb_build_object('by', 'orchestrator', 'attempt', u.attempts - 1) FROM claimed_upd u`,
      `SELECT u.workflow_step_uuid, u.task_uuid, ${p.enqueueState}::text, ${p.claimState}::text, 'claim'::text,
              jsonb_build_object('worker_id', ${p.claimWorker}::text, 'attempt', u.attempts, 'took_over', false, 'continued', true)
         FROM claimed_upd u`,
    );
  }
  return { ctes, stepTransitions };
}

/** The columns a plan's statement answers with (see {@link TaskPlanRow}), after {@link taskPlanPart}. */
function taskPlanColumns(shape: TaskPlanShape): string {
  const dispatched = shape.enqueue ? "(SELECT array_agg(workflow_step_uuid::text) FROM upd)" : "NULL::text[]";
  const claimed = shape.claim
    ? `(SELECT to_jsonb(c) FROM (SELECT ${CLAIMED_STEP_COLUMNS}
                                  FROM claimed_upd u JOIN tasker.tasks t ON t.task_uuid = u.task_uuid) c)`
    : "NULL::jsonb";
  // events is a SELECT: only a reference from the main query runs it.
  const notified = shape.events ? "(SELECT n FROM events)" : "0";
  return `${dispatched} AS dispatched, ${notified} AS notified, ${claimed} AS claimed`;
}

/** A plan's statement text, built once per shape. */
const taskPlanStatementText = builtPerShape(taskPlanShapeKey, (shape: TaskPlanShape) =>
  numberUsedParams(TASK_PLAN_PARAMS, (p) => {
    const ctes = assembleCtes([taskPlanPart(p, shape)]);
    return `${ctes.length > 0 ? `WITH ${ctes.join(", ")}\n     ` : ""}SELECT ${taskPlanColumns(shape)}`;
  }),
);

/** The values of {@link taskPlanPart}'s parameters for one plan. */
function taskPlanValues(w: TaskPlanWrite): Record<TaskPlanParam, unknown> {
  const enqueue = STEP_TRANSITIONS.enqueue;
  const claim = STEP_TRANSITIONS.claim;
  return {
    taskUuid: w.taskUuid,
    ready: w.ready,
    enqueueFrom: enqueue.from,
    enqueueState: enqueue.to,
    queue: w.queue,
    correlationId: w.correlationId,
    // The claimed step is moved by its own CTE (a row can be updated once per statement).
    claimed: w.claim?.stepUuid ?? null,
    transitions: JSON.stringify(w.transitions.map((t) => ({ from: t.from, to: t.to, event: t.event }))),
    status: w.status,
    setError: w.error !== undefined,
    error: w.error ?? null,
    terminal: w.terminal,
    wakeQueue: w.wakeUp?.queue ?? null,
    wakeMessage: w.wakeUp ? JSON.stringify(w.wakeUp.message) : null,
    wakeDelayMs: w.wakeUp?.delayMs ?? 0,
    eventPayloads: eventPayloadsParam(w.eventPayloads),
    claimWorker: w.claim?.workerId ?? null,
    leaseSeconds: w.claim?.leaseSeconds ?? 0,
    claimState: claim.to,
    done: w.counts?.done ?? null,
    failed: w.counts?.failed ?? null,
    waiting: w.counts?.waiting ?? null,
    running: w.counts?.running ?? null,
    parentCounts: JSON.stringify(w.parentCounts),
  };
}

/**
 * A task's plan as one statement: enqueue the ready steps with their transition rows and queue
 * messages (waking the namespace's workers), append the task's transitions and set its status,
 * schedule the retry wake-up and publish the lifecycle events.
 */
export function taskPlanStatement(w: TaskPlanWrite): Statement<TaskPlanRow> {
  const { sql, names } = taskPlanStatementText(taskPlanShape(w));
  return { sql, params: paramValues(names, taskPlanValues(w)) };
}
