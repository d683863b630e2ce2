import { EVENTS_CHANNEL } from "../../events/lifecycle-events.js";
import { STEP_TRANSITIONS } from "../../state/step-states.js";
import type { Statement } from "../database.js";
import { stepSignalCte } from "./queue.js";
import { CLAIMED_STEP_COLUMNS, type ClaimedStep } from "./steps.js";

/** Everything one evaluation of a task writes (see orchestrator/evaluate-task.ts). */
export interface TaskPlanWrite {
  taskUuid: string;
  /** Steps to enqueue (`pending | waiting_for_retry -> enqueued`), re-checked under their row lock. */
  ready: readonly string[];
  /** The namespace queue their signals go to, and the task's correlation id for the message. */
  queue: string;
  correlationId: string;
  /** A ready step to claim for `claimFor` in this statement instead of enqueueing and signalling it. */
  keep: string | null;
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
  /** Claim `keep` for this worker in the same statement (`enqueued -> in_progress`, a lease). */
  claimFor?: { workerId: string; leaseSeconds: number } | undefined;
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

// Built once: the same string on every call (its prepared statement name is looked up by it).
const TASK_PLAN_SQL = `WITH old AS (
       SELECT workflow_step_uuid, state FROM tasker.workflow_steps s
        WHERE s.workflow_step_uuid = ANY($2::uuid[]) AND s.state = ANY($3::text[])
          AND s.workflow_step_uuid IS DISTINCT FROM $7::uuid
        FOR UPDATE
     ), upd AS (
       UPDATE tasker.workflow_steps s SET state = $4, updated_at = now()
         FROM old
        WHERE s.workflow_step_uuid = old.workflow_step_uuid
       RETURNING s.workflow_step_uuid, s.task_uuid, old.state AS from_state, s.attempts
     ), tr AS (
       INSERT INTO tasker.workflow_step_transitions (workflow_step_uuid, task_uuid, from_state, to_state, event, metadata)
       SELECT workflow_step_uuid, task_uuid, from_state, $4, 'enqueue',
              jsonb_build_object('by', 'orchestrator', 'attempt', attempts)
         FROM upd
     ), ${stepSignalCte({ from: "upd", queue: "$5", correlationId: "$6::text" })}, task_tr AS (
       INSERT INTO tasker.task_transitions (task_uuid, from_state, to_state, event, metadata)
       SELECT $1, e->>'from', e->>'to', e->>'event', '{}'::jsonb
         FROM jsonb_array_elements($8::jsonb) WITH ORDINALITY AS x(e, n)
        ORDER BY n
     ), task_upd AS (
       UPDATE tasker.tasks
          SET status = $9, updated_at = now(),
              error = CASE WHEN $10::boolean THEN $11 ELSE error END,
              completed_at = CASE WHEN $12::boolean THEN now() ELSE NULL END
        WHERE task_uuid = $1 AND $9::text IS NOT NULL
     ), wake AS (
       INSERT INTO tasker.queue_messages (queue_name, message, visible_at)
       SELECT $13, $14::jsonb, now() + make_interval(secs => $15::float8 / 1000.0)
        WHERE $14::jsonb IS NOT NULL
     ), events AS (
       SELECT count(pg_notify('${EVENTS_CHANNEL}', p)) AS n FROM unnest($16::text[]) AS p
     ), k_old AS (
       SELECT workflow_step_uuid, state FROM tasker.workflow_steps s
        WHERE s.workflow_step_uuid = $7::uuid AND s.state = ANY($3::text[])
        FOR UPDATE
     ), k_upd AS (
       UPDATE tasker.workflow_steps s
          SET state = $19, attempts = s.attempts + 1, claimed_by = $17, updated_at = now(),
              claim_expires_at = now() + make_interval(secs => $18::float8), last_attempted_at = now(),
              next_retry_at = NULL
         FROM k_old
        WHERE s.workflow_step_uuid = k_old.workflow_step_uuid
       RETURNING s.*, k_old.state AS from_state
     ), k_tr AS (
       INSERT INTO tasker.workflow_step_transitions (workflow_step_uuid, task_uuid, from_state, to_state, event, metadata)
       SELECT u.workflow_step_uuid, u.task_uuid, x.from_state, x.to_state, x.event, x.metadata
         FROM k_upd u CROSS JOIN LATERAL (VALUES
           (1, u.from_state, $4::text, 'enqueue', jsonb_build_object('by', 'orchestrator', 'attempt', u.attempts - 1)),
           (2, $4::text, $19::text, 'claim',
            jsonb_build_object('worker_id', $17::text, 'attempt', u.attempts, 'took_over', false, 'continued', true))
         ) AS x(ord, from_state, to_state, event, metadata)
        ORDER BY x.ord
     )
     SELECT (SELECT array_agg(workflow_step_uuid::text) FROM upd) AS dispatched, (SELECT n FROM events) AS notified,
            (SELECT to_jsonb(c) FROM (SELECT ${CLAIMED_STEP_COLUMNS}
                                        FROM k_upd u JOIN tasker.tasks t ON t.task_uuid = u.task_uuid) c) AS claimed`;

/**
 * A task's plan as one statement: enqueue the ready steps with their transition rows and queue
 * messages (waking the namespace's workers), append the task's transitions and set its status,
 * schedule the retry wake-up and publish the lifecycle events.
 */
export function taskPlanStatement(w: TaskPlanWrite): Statement<TaskPlanRow> {
  const enqueue = STEP_TRANSITIONS.enqueue;
  const claim = STEP_TRANSITIONS.claim;
  // The kept step is claimed by its own CTEs (a row can be updated once per statement).
  const claimed = w.claimFor && w.keep !== null ? w.keep : null;
  const params = [
    w.taskUuid,
    w.ready,
    enqueue.from,
    enqueue.to,
    w.queue,
    w.correlationId,
    claimed,
    JSON.stringify(w.transitions.map((t) => ({ from: t.from, to: t.to, event: t.event }))),
    w.status,
    w.error !== undefined,
    w.error ?? null,
    w.terminal,
    w.wakeUp?.queue ?? null,
    w.wakeUp ? JSON.stringify(w.wakeUp.message) : null,
    w.wakeUp?.delayMs ?? 0,
    w.eventPayloads,
    w.claimFor?.workerId ?? null,
    w.claimFor?.leaseSeconds ?? 0,
    claim.to,
  ];
  return { sql: TASK_PLAN_SQL, params };
}
