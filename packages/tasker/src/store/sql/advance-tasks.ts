import {
  STEP_COMPLETED,
  STEP_FAILED,
  STEP_RETRY_SCHEDULED,
  TASK_CANCELLED,
  TASK_COMPLETED,
  TASK_FAILED,
  TASK_RESOLVED_MANUALLY,
} from "../../events/event-names.js";
import { PLAN_FACTS, taskPathTable } from "../../lifecycle/plan-task.js";
import { namespaceQueueSql, ORCHESTRATION_QUEUE } from "../../queue/queue-names.js";
import { STEP_SATISFIED_STATES, STEP_TRANSITIONS } from "../../state/step-states.js";
import { TASK_TERMINAL_STATES } from "../../state/task-states.js";
import type { Statement } from "../database.js";
import { EVENTS_CHANNEL, STEP_COMPLETED_HEARD } from "./events.js";
import { builtPerShape, numberUsedParams, paramValues } from "./numbered-params.js";
import { QUEUE_CHANNEL } from "./queue.js";
import { assembleCtes } from "./step-transition-rows.js";
import { ancestorRows, type ClaimedStep, type StepOutcomeWrite } from "./steps.js";

/** An outcome to store, and the worker that goes on with a step it makes ready (if any). */
export interface OutcomeWrite extends StepOutcomeWrite {
  /** How many steps depend on the outcome's step, when known (the statement is shaped by it). */
  childCount?: number | undefined;
  continueWith?:
    | {
        leaseSeconds: number;
        handlers: readonly string[];
        /**
         * The worker builds the step it goes on with from the one that ran (see AdvancedRow.claimed_row):
         * the statement answers that step's own columns only, not its task's and dependencies'.
         */
        buildsNext?: boolean | undefined;
      }
    | undefined;
  /** Written only once the claim's lease is over (an outcome stored in a dead worker's name). */
  onlyIfLeaseExpired?: boolean | undefined;
}

/** What the statement did with one outcome (one row per outcome, in the order given). */
export interface AdvancedRow {
  /** false: this worker no longer held the claim on this attempt; nothing of it was written. */
  stored: boolean;
  step_name: string | null;
  namespace: string | null;
  /** How long the attempt took, from its claim. */
  attempt_seconds: number | null;
  /** The task's status once the statement's plan was written. */
  task_status: string | null;
  /** The statement ended the task (reported on the first of its outcomes only). */
  task_finished: boolean;
  /** The step claimed for the outcome's worker to go on with. */
  claimed: ClaimedStep | null;
  /**
   * With `buildsNext`, the step claimed instead, as its own columns (`covered`: its ancestors are the
   * step that ran and that step's ancestors, so its dependencies' results are those the worker has).
   */
  claimed_row: ClaimedRow | null;
}

/** A claimed step's own columns (see AdvancedRow.claimed_row). */
export type ClaimedRow = Pick<
  ClaimedStep,
  | "workflow_step_uuid"
  | "name"
  | "handler_callable"
  | "initialization"
  | "attempts"
  | "max_attempts"
  | "timeout_seconds"
  | "child_count"
> & { covered: boolean };

/** The SQL of a ClaimedRow of step row `c`, whose ancestors are `covered` (SQL) by the step that ran. */
function claimedRowSql(c: string, covered: string): string {
  return `jsonb_build_object('workflow_step_uuid', ${c}.workflow_step_uuid, 'name', ${c}.name,
                   'handler_callable', ${c}.handler_callable, 'initialization', ${c}.initialization,
                   'attempts', ${c}.attempts, 'max_attempts', ${c}.max_attempts, 'timeout_seconds', ${c}.timeout_seconds,
                   'child_count', cardinality(${c}.child_uuids), 'covered', ${covered})`;
}

/**
 * The positions whose results the worker holds once stored step row `s` ran (its ancestors' and its
 * own): a claimed child whose ancestor positions equal them needs no read of its dependencies.
 */
const HELD_POSITIONS =
  "s.ancestor_positions + int4multirange(int4range(s.position, s.position + 1)) AS held_positions";
const sqlList = (values: Iterable<string>) => [...values].map((v) => `'${v}'`).join(", ");
const TERMINAL = sqlList(TASK_TERMINAL_STATES);
const SATISFIED = sqlList(STEP_SATISFIED_STATES);
const ENQUEUED = STEP_TRANSITIONS.enqueue.to;
const CLAIMED = STEP_TRANSITIONS.claim.to;
/** Each moved task (the `moved` rows) gets its counts, status, error and completion time. */
const TASK_UPDATE = `task_upd AS (
       UPDATE tasker.tasks x
          SET steps_done = m.done, steps_failed = m.failed, steps_waiting = m.waiting, steps_running = m.running,
              updated_at = now(), status = coalesce(m.new_status, x.status),
              error = CASE m.new_status WHEN 'complete' THEN NULL WHEN 'error' THEN m.reason ELSE x.error END,
              completed_at = CASE WHEN m.new_status IS NULL THEN x.completed_at
                                  WHEN m.new_status IN (${TERMINAL}) THEN now() ELSE NULL END
         FROM moved m
        WHERE x.task_uuid = m.task_uuid
     )`;
if (!STEP_TRANSITIONS.enqueue.from.includes("pending") || !STEP_TRANSITIONS.claim.from.includes(ENQUEUED)) {
  throw new Error("the step transition table no longer has the path pending -> enqueued -> in_progress");
}
const TASK_EVENTS = `CASE m.new_status WHEN 'complete' THEN '${TASK_COMPLETED}' WHEN 'error' THEN '${TASK_FAILED}'
                            WHEN 'cancelled' THEN '${TASK_CANCELLED}' WHEN 'resolved_manually' THEN '${TASK_RESOLVED_MANUALLY}' END`;
/** NOTIFY payloads are limited to 8000 bytes: errors are cut as eventPayloads cuts them. */
const cut = (text: string) =>
  `CASE WHEN length(${text}) > 2000 THEN left(${text}, 2000) || '…' ELSE ${text} END`;

/** An outcome's columns (the `o` rows), with their types. */
const OUTCOME_COLUMNS = {
  i: "int",
  task_uuid: "uuid",
  step_uuid: "uuid",
  worker_id: "text",
  attempts: "int",
  ok: "boolean",
  payload: "jsonb",
  stored_state: "text",
  stored_event: "text",
  stored_metadata: "jsonb",
  decided_state: "text",
  decided_event: "text",
  decided_metadata: "jsonb",
  retry_delay_ms: "float8",
  msg_id: "bigint",
  lease_seconds: "float8",
  handler_set: "int",
  only_if_lease_expired: "boolean",
  builds: "boolean",
} as const;
type OutcomeColumn = keyof typeof OUTCOME_COLUMNS;
const OUTCOME_NAMES = Object.keys(OUTCOME_COLUMNS) as OutcomeColumn[];

const PARAMS = ["outcomes", "taskUuids", "stepUuids", "handlerSets", "occurredAt", ...OUTCOME_NAMES] as const;

/**
 * A condition no index serves (IS NOT DISTINCT FROM): a step stored is found by its key alone. With
 * `=`, a generic plan may scan the task's steps (task_uuid) or every running step's lease (the
 * partial index workflow_steps_claims_idx, whose predicate `state = 'in_progress'` would match):
 * a scan that grows with the task or with the steps running.
 */
const guard = (column: string, value: string) => `${column} IS NOT DISTINCT FROM ${value}`;

/**
 * The task transitions of each status and facts (taskPathTable), compact: the distinct paths as an
 * array of [from, to, event] triples, and per status a string whose character at `facts` names the
 * path (`A` the first). A CASE on the status and a subscript pick it.
 */
function pathLookup(facts: string, status: string): string {
  const table = taskPathTable();
  const distinct: string[] = [];
  const codes: string[] = [];
  for (const [state, paths] of Object.entries(table)) {
    const code = paths
      .map((path) => {
        const text = JSON.stringify(path.map((t) => [t.from, t.to, t.event]));
        let k = distinct.indexOf(text);
        if (k < 0) k = distinct.push(text) - 1;
        return String.fromCharCode(65 + k);
      })
      .join("");
    codes.push(`WHEN '${state}' THEN '${code}'`);
  }
  if (distinct.length > 58) throw new Error("too many task paths for one character each");
  return `(ARRAY[${distinct.map((d) => `'${d}'`).join(", ")}]::jsonb[])[
                ascii(substr(CASE ${status} ${codes.join(" ")} END, ${facts} + 1, 1)) - 64]`;
}

/** Which parts a batch needs: the others are left out of its statement's text. */
interface Shape {
  /** One outcome: its values as parameters (the planner knows it is one row). */
  single: boolean;
  /** A delivery's queue row to delete with its outcome. */
  ack: boolean;
  /** A failed attempt (a retry to wake up for, an error that may end the task). */
  failures: boolean;
  /** A worker going on with a step its outcome makes ready. */
  continues: boolean;
}

/** A task's error reason from its failed steps (taskErrorReason): `from` lists name, position, err. */
function errorReasonSql(from: string): string {
  return `(SELECT string_agg(format('step %s failed%s: %s', e.name,
                                      CASE WHEN e.err->>'code' <> '' THEN ' (' || (e.err->>'code') || ')' ELSE '' END,
                                      coalesce(e.err->>'message', 'unknown error')), '; ' ORDER BY e.position)
             FROM (${from}) e)`;
}

/** The facts (PLAN_FACTS) of counts `c` (dispatched, running, waiting, failed, done, step_count). */
function factsSql(c: string): string {
  const F = PLAN_FACTS;
  return `(CASE WHEN ${c}.dispatched > 0 THEN ${F.dispatched} ELSE 0 END) + (CASE WHEN ${c}.running > 0 THEN ${F.running} ELSE 0 END)
              + (CASE WHEN ${c}.waiting > 0 THEN ${F.waiting} ELSE 0 END) + (CASE WHEN ${c}.failed > 0 THEN ${F.failed} ELSE 0 END)
              + (CASE WHEN ${c}.done < ${c}.step_count THEN ${F.unfinished} ELSE 0 END)`;
}

/** A task's lifecycle event once it ended, from `m` (moved: the task, new_status, reason). */
function taskEventJson(occurredAt: string): string {
  return `json_build_object(
                        'event', ${TASK_EVENTS}, 'task_uuid', m.task_uuid, 'namespace', m.namespace, 'name', m.name,
                        'version', m.version, 'status', m.new_status, 'correlation_id', m.correlation_id,
                        'error', ${cut("(CASE m.new_status WHEN 'complete' THEN NULL WHEN 'error' THEN m.reason ELSE m.error END)")},
                        'occurred_at', ${occurredAt}::text)::text`;
}

/**
 * A step's lifecycle event: `event` and `error` are SQL; `t` has the task's columns (its status as it
 * was), `step` the stored step's uuid and name columns.
 */
function stepEventJson(
  event: string,
  error: string,
  occurredAt: string,
  t = "t",
  step = { uuid: "st.workflow_step_uuid", name: "st.name" },
): string {
  return `json_build_object(
                        'event', ${event}, 'task_uuid', ${t}.task_uuid, 'namespace', ${t}.namespace, 'name', ${t}.name,
                        'version', ${t}.version, 'status', ${t}.status, 'correlation_id', ${t}.correlation_id,
                        'error', ${cut(error)}, 'step_uuid', ${step.uuid}, 'step_name', ${step.name},
                        'occurred_at', ${occurredAt}::text)::text`;
}

/** What one outcome's statement needs to know of it beforehand (see singleText). */
interface SingleShape {
  /** A success (else a failure, decided). */
  success: boolean;
  ack: boolean;
  /** Its worker goes on with a step the outcome makes ready. */
  continues: boolean;
  /** ... and builds that step itself (OutcomeWrite.continueWith.buildsNext). */
  builds: boolean;
  /** The stored step's children: none (the last of a chain), one (a chain), or more or not known. */
  children: "none" | "one" | "many";
}

// One outcome: the common case when the engine is not loaded (every step of a chain), so its own
// text, with the outcome's values as parameters and no more plan nodes than it needs: a success
// frees its step's children (whose claim and enqueue are one UPDATE); a failure's step is enqueued
// or claimed again at once when its retry is due at once. The rest is as in the batch text below.
const singleText = builtPerShape(
  (s: SingleShape) => `${+s.success}${+s.ack}${+s.continues}${+s.builds}${s.children}`,
  (shape) =>
    numberUsedParams(PARAMS, (p) => {
      const ctes: string[] = [
        `t AS (
       SELECT task_uuid, namespace, name, version, status, correlation_id, error, step_count, steps_done,
              steps_failed, steps_waiting, steps_running
         FROM tasker.tasks WHERE task_uuid = ${p.task_uuid}::uuid
     )`,
      ];
      const due = `${p.retry_delay_ms}::float8 <= 0`;
      const again = shape.continues
        ? `(${due} AND ${p.handlerSets}::jsonb -> 0 ? s.handler_callable)`
        : "false";
      ctes.push(`stored AS (
       UPDATE tasker.workflow_steps s
          SET ${
            shape.success
              ? `state = '${STEP_TRANSITIONS.complete.to}', claimed_by = NULL, claim_expires_at = NULL,
              results = ${p.payload}::jsonb, error = NULL, completed_at = now(),`
              : `state = CASE WHEN ${again} THEN '${CLAIMED}' WHEN ${p.decided_state}::text = 'waiting_for_retry' AND ${due}
                              THEN '${ENQUEUED}' ELSE ${p.decided_state}::text END,
              attempts = CASE WHEN ${again} THEN s.attempts + 1 ELSE s.attempts END,
              claimed_by = CASE WHEN ${again} THEN ${p.worker_id}::text END,
              claim_expires_at = CASE WHEN ${again} THEN now() + make_interval(secs => ${p.lease_seconds}::float8) END,
              last_attempted_at = CASE WHEN ${again} THEN now() ELSE s.last_attempted_at END,
              next_retry_at = CASE WHEN ${again} THEN NULL WHEN ${p.retry_delay_ms}::float8 IS NULL THEN s.next_retry_at
                                   ELSE now() + make_interval(secs => ${p.retry_delay_ms}::float8 / 1000.0) END,
              error = ${p.payload}::jsonb, last_failure_at = now(),`
          }
              updated_at = now()
        WHERE s.workflow_step_uuid = ${p.step_uuid}::uuid AND ${guard("s.task_uuid", `${p.task_uuid}::uuid`)}
          AND ${guard("s.state", "'in_progress'")} AND s.claimed_by = ${p.worker_id}::text AND s.attempts = ${p.attempts}::int
          AND (${p.only_if_lease_expired}::boolean IS NOT TRUE OR s.claim_expires_at < now())
       RETURNING s.workflow_step_uuid, s.task_uuid, s.name, s.position, s.child_uuids, s.last_attempted_at, s.state,
                 s.attempts${shape.builds ? (shape.success ? `, ${HELD_POSITIONS}` : `, CASE WHEN s.state = '${CLAIMED}' THEN ${claimedRowSql("s", "true")} END AS claimed_row`) : ""}
     )`);
      if (shape.ack) {
        ctes.push(`acked AS (
       DELETE FROM tasker.queue_messages WHERE msg_id = ${p.msg_id}::bigint AND EXISTS (SELECT 1 FROM stored)
     )`);
      }
      // The stored outcome's task: its counts once this statement's writes are in, the facts they
      // give and the transitions planTask makes of them.
      let counts: string;
      if (shape.success && shape.children === "none") {
        counts = `SELECT t.steps_done + 1 AS done, t.steps_failed AS failed, t.steps_waiting AS waiting,
                         t.steps_running - 1 AS running, 0 AS dispatched, t.step_count`;
      } else if (shape.success) {
        // Each child has one unfinished parent fewer; those with none left (pending, attempts left,
        // their task running) are enqueued, or the first of them the worker has the handler for is
        // claimed for it.
        const ready = `c.unfinished_parents = 1 AND c.state = 'pending' AND c.attempts < c.max_attempts
                         AND t.status NOT IN (${TERMINAL})`;
        const runnable = `${p.handlerSets}::jsonb -> 0 ? c.handler_callable`;
        let kept = "false";
        if (shape.continues && shape.children === "one") kept = runnable;
        else if (shape.continues) {
          // (Ready as below but for its task's status, which `advanced` checks.)
          ctes.push(`kept AS (
       SELECT k.workflow_step_uuid AS uuid FROM stored ks, tasker.workflow_steps k
        WHERE k.workflow_step_uuid = ANY(ks.child_uuids) AND k.unfinished_parents = 1 AND k.state = 'pending'
          AND k.attempts < k.max_attempts AND ${runnable.replace("c.", "k.")}
        ORDER BY k.position LIMIT 1
     )`);
          kept = "c.workflow_step_uuid = k.uuid";
        }
        ctes.push(`advanced AS (
       UPDATE tasker.workflow_steps c
          SET unfinished_parents = c.unfinished_parents - 1,
              state = CASE WHEN NOT (${ready}) THEN c.state WHEN ${kept} THEN '${CLAIMED}' ELSE '${ENQUEUED}' END,
              updated_at = CASE WHEN ${ready} THEN now() ELSE c.updated_at END${
                shape.continues
                  ? `,
              attempts = CASE WHEN (${ready}) AND ${kept} THEN c.attempts + 1 ELSE c.attempts END,
              claimed_by = CASE WHEN (${ready}) AND ${kept} THEN ${p.worker_id}::text ELSE c.claimed_by END,
              claim_expires_at = CASE WHEN (${ready}) AND ${kept}
                                      THEN now() + make_interval(secs => ${p.lease_seconds}::float8) ELSE c.claim_expires_at END,
              last_attempted_at = CASE WHEN (${ready}) AND ${kept} THEN now() ELSE c.last_attempted_at END`
                  : ""
              }
         FROM stored st CROSS JOIN t${shape.continues && shape.children === "many" ? " LEFT JOIN kept k ON true" : ""}
        WHERE ${shape.children === "one" ? "c.workflow_step_uuid = st.child_uuids[1]" : "c.workflow_step_uuid = ANY(st.child_uuids)"}
       RETURNING c.workflow_step_uuid, c.task_uuid, c.attempts, c.state, c.state IN ('${ENQUEUED}', '${CLAIMED}') AS dispatched${
         shape.builds
           ? `,
                 CASE WHEN c.state = '${CLAIMED}' THEN ${claimedRowSql(
                   "c",
                   "c.ancestor_positions = st.held_positions",
                 )} END AS claimed_row`
           : ""
       }
     )`);
        ctes.push(`signal AS (
       INSERT INTO tasker.queue_messages (queue_name, message)
       SELECT ${namespaceQueueSql("t.namespace")}, jsonb_build_object('task_uuid', a.task_uuid, 'step_uuid', a.workflow_step_uuid,
                                                            'correlation_id', t.correlation_id)
         FROM advanced a, t WHERE a.state = '${ENQUEUED}'
       RETURNING pg_notify('${QUEUE_CHANNEL}', queue_name)
     )`);
        counts = `SELECT t.steps_done + 1 AS done, t.steps_failed AS failed, t.steps_waiting AS waiting,
                         t.steps_running - 1 + d.n AS running, d.n AS dispatched, t.step_count
                    FROM (SELECT count(*)::int AS n FROM advanced WHERE dispatched) d`;
      } else {
        ctes.push(`signal AS (
       INSERT INTO tasker.queue_messages (queue_name, message)
       SELECT ${namespaceQueueSql("t.namespace")}, jsonb_build_object('task_uuid', st.task_uuid, 'step_uuid', st.workflow_step_uuid,
                                                            'correlation_id', t.correlation_id)
         FROM stored st, t WHERE st.state = '${ENQUEUED}'
       RETURNING pg_notify('${QUEUE_CHANNEL}', queue_name)
     )`);
        const retried = `(st.state IN ('${ENQUEUED}', '${CLAIMED}'))::int`;
        counts = `SELECT t.steps_done AS done, t.steps_failed + (${p.decided_state}::text = 'error')::int AS failed,
                         t.steps_waiting + (${p.decided_state}::text = 'waiting_for_retry')::int - ${retried} AS waiting,
                         t.steps_running - 1 + ${retried} AS running, ${retried} AS dispatched, t.step_count`;
        // A retry wakes the orchestrator when it is due (a few ms late: the clocks may differ).
        ctes.push(`wake AS (
       INSERT INTO tasker.queue_messages (queue_name, message, visible_at)
       SELECT '${ORCHESTRATION_QUEUE}', jsonb_build_object('kind', 'evaluate_task', 'task_uuid', st.task_uuid,
                                                   'correlation_id', t.correlation_id, 'reason', 'retry_due'),
              now() + make_interval(secs => (${p.retry_delay_ms}::float8 + 10) / 1000.0)
         FROM stored st, t WHERE st.state = 'waiting_for_retry'
     )`);
      }
      const failedNow = shape.success
        ? ""
        : `\n                        UNION ALL SELECT st.name, st.position, ${p.payload}::jsonb FROM stored st WHERE st.state = 'error'`;
      ctes.push(`moved AS (
       SELECT x.*, x.path -> -1 ->> 1 AS new_status,
              CASE WHEN x.path -> -1 ->> 1 = 'error' THEN ${errorReasonSql(
                `SELECT s.name, s.position, s.error AS err FROM tasker.workflow_steps s
                          WHERE s.task_uuid = x.task_uuid AND s.state = 'error'${failedNow}`,
              )} END AS reason
         FROM (SELECT t.task_uuid, t.namespace, t.name, t.version, t.status, t.correlation_id, t.error,
                      st.workflow_step_uuid, st.name AS step_name, st.last_attempted_at, c.done, c.failed, c.waiting,
                      c.running, ${pathLookup(factsSql("c"), "t.status")} AS path
                 FROM t, stored st, LATERAL (${counts}) c) x
     )`);
      ctes.push(
        TASK_UPDATE,
        `task_tr AS (
       INSERT INTO tasker.task_transitions (task_uuid, from_state, to_state, event, metadata)
       SELECT m.task_uuid, e->>0, e->>1, e->>2, '{}'::jsonb FROM moved m, jsonb_array_elements(m.path) AS e
     )`,
      );
      const step = { uuid: "m.workflow_step_uuid", name: "m.step_name" };
      const stepEvent = shape.success
        ? stepEventJson(`'${STEP_COMPLETED}'`, "m.error", p.occurredAt, "m", step)
        : stepEventJson(
            `CASE ${p.decided_state}::text WHEN 'waiting_for_retry' THEN '${STEP_RETRY_SCHEDULED}' ELSE '${STEP_FAILED}' END`,
            `coalesce(${p.payload}::jsonb->>'message', m.error)`,
            p.occurredAt,
            "m",
            step,
          );
      // A success's event is step.completed: sent only while some process listens for it.
      const notifyStep = `pg_notify('${EVENTS_CHANNEL}', ${stepEvent})`;
      ctes.push(`events AS (
       SELECT count(${shape.success ? `CASE WHEN ${STEP_COMPLETED_HEARD} THEN ${notifyStep} END` : notifyStep})
              + count(CASE WHEN m.new_status IN (${TERMINAL}) THEN pg_notify('${EVENTS_CHANNEL}', ${taskEventJson(p.occurredAt)}) END)
                AS n
         FROM moved m
     )`);
      const attempt = `jsonb_build_object('attempt', ${p.attempts}::int)`;
      const rows = [
        `SELECT st.workflow_step_uuid, st.task_uuid, 'in_progress'::text, ${p.stored_state}::text, ${p.stored_event}::text,
              ${p.stored_metadata}::jsonb || ${attempt} FROM stored st`,
        `SELECT st.workflow_step_uuid, st.task_uuid, ${p.stored_state}::text, ${p.decided_state}::text, ${p.decided_event}::text,
              ${p.decided_metadata}::jsonb || ${attempt} FROM stored st`,
      ];
      const advances = shape.success && shape.children !== "none";
      if (advances) {
        rows.push(
          `SELECT a.workflow_step_uuid, a.task_uuid, 'pending'::text, '${ENQUEUED}'::text, 'enqueue'::text,
              jsonb_build_object('by', 'orchestrator', 'attempt', a.attempts - (a.state = '${CLAIMED}')::int)
         FROM advanced a WHERE a.dispatched`,
        );
        if (shape.continues) {
          rows.push(
            `SELECT a.workflow_step_uuid, a.task_uuid, '${ENQUEUED}'::text, '${CLAIMED}'::text, 'claim'::text,
              jsonb_build_object('worker_id', ${p.worker_id}::text, 'attempt', a.attempts, 'took_over', false, 'continued', true)
         FROM advanced a WHERE a.state = '${CLAIMED}'`,
          );
        }
      } else if (!shape.success) {
        rows.push(
          `SELECT st.workflow_step_uuid, st.task_uuid, 'waiting_for_retry'::text, '${ENQUEUED}'::text, 'enqueue'::text,
              ${attempt} || jsonb_build_object('by', 'orchestrator') FROM stored st WHERE st.state IN ('${ENQUEUED}', '${CLAIMED}')`,
        );
        if (shape.continues) {
          rows.push(
            `SELECT st.workflow_step_uuid, st.task_uuid, '${ENQUEUED}'::text, '${CLAIMED}'::text, 'claim'::text,
              jsonb_build_object('worker_id', ${p.worker_id}::text, 'attempt', st.attempts, 'took_over', false, 'continued', true)
         FROM stored st WHERE st.state = '${CLAIMED}'`,
          );
        }
      }
      ctes.push(...assembleCtes([{ ctes: [], stepTransitions: rows }]));
      const claimedFrom = shape.success
        ? `advanced a WHERE a.state = '${CLAIMED}'`
        : `stored a WHERE a.state = '${CLAIMED}'`;
      const claimed =
        shape.continues && !shape.builds && (advances || !shape.success)
          ? `(SELECT to_jsonb(c) FROM (
              SELECT u.workflow_step_uuid, u.task_uuid, u.name, u.handler_callable, u.initialization, a.attempts,
                     u.max_attempts, u.timeout_seconds, tc.name AS task_name, tc.namespace, tc.version, tc.correlation_id,
                     cardinality(u.child_uuids) AS child_count, tc.context,
                     coalesce((SELECT jsonb_object_agg(d.name, CASE WHEN d.workflow_step_uuid = ${p.step_uuid}::uuid
                                                                    THEN ${p.payload}::jsonb ELSE d.results END)
                                 FROM ${ancestorRows("u", "d")}), '{}'::jsonb)
                       AS dependency_results
                FROM ${claimedFrom.replace(" WHERE", " JOIN tasker.workflow_steps u ON u.workflow_step_uuid = a.workflow_step_uuid JOIN tasker.tasks tc ON tc.task_uuid = a.task_uuid WHERE")}) c)`
          : "NULL::jsonb";
      return `WITH ${ctes.join(",\n     ")}
     SELECT m.workflow_step_uuid IS NOT NULL AS stored, m.step_name, m.namespace,
            extract(epoch FROM now() - m.last_attempted_at)::float8 AS attempt_seconds,
            coalesce(m.new_status, m.status) AS task_status, coalesce(m.new_status IN (${TERMINAL}), false) AS task_finished,
            ${claimed} AS claimed, ${
              shape.builds && (advances || !shape.success)
                ? `(SELECT claimed_row FROM ${shape.success ? "advanced" : "stored"} WHERE claimed_row IS NOT NULL)`
                : "NULL::jsonb"
            } AS claimed_row, (SELECT n FROM events) AS notified
       FROM (SELECT 1) one LEFT JOIN moved m ON true`;
    }),
);

// Built once per shape (its prepared statement is found by its text). The statement's snapshot is
// taken after its tasks' locks (an earlier statement of the transaction): it sees every decision
// committed before, and the counts it starts from are exact, since only a task's lock holder changes
// them. It cannot see what it writes itself: a claimed step's dependencies read results stored here
// from `stored`, and a task's error reason adds the steps failing here.
const advanceText = builtPerShape(
  (s: Shape) => `${+s.single}${+s.ack}${+s.failures}${+s.continues}`,
  (shape) =>
    numberUsedParams(PARAMS, (p) => {
      // A failure whose retry is due at once (no delay), and whose worker goes on with it again.
      const retryNow = "(o.decided_state = 'waiting_for_retry' AND o.retry_delay_ms <= 0)";
      const again = `(${retryNow} AND o.lease_seconds IS NOT NULL AND (${p.handlerSets}::jsonb -> o.handler_set) ? s.handler_callable)`;
      const ctes: string[] = [
        shape.single
          ? `o AS (
       SELECT ${OUTCOME_NAMES.map((c) => `${p[c]}::${OUTCOME_COLUMNS[c]} AS ${c}`).join(", ")}
     )`
          : `o AS (
       SELECT * FROM jsonb_to_recordset(${p.outcomes}::jsonb)
           AS x(${OUTCOME_NAMES.map((c) => `${c} ${OUTCOME_COLUMNS[c]}`).join(", ")})
     )`,
        // The tasks as the locks left them.
        `t AS (
       SELECT task_uuid, namespace, name, version, status, correlation_id, error, step_count, steps_done,
              steps_failed, steps_waiting, steps_running
         FROM tasker.tasks WHERE ${shape.single ? `task_uuid = ${p.task_uuid}::uuid` : `task_uuid = ANY(${p.taskUuids}::uuid[])`}
     )`,
        // Each outcome, only where its worker still holds the claim on this attempt. A failure whose
        // retry is due at once is enqueued again (or claimed again for its worker going on), as a
        // plan would dispatch it.
        `stored AS (
       UPDATE tasker.workflow_steps s
          SET ${
            shape.failures
              ? `state = CASE WHEN ${again} THEN '${CLAIMED}' WHEN ${retryNow} THEN '${ENQUEUED}' ELSE o.decided_state END,
              attempts = CASE WHEN ${again} THEN s.attempts + 1 ELSE s.attempts END,
              claimed_by = CASE WHEN ${again} THEN o.worker_id END,
              claim_expires_at = CASE WHEN ${again} THEN now() + make_interval(secs => o.lease_seconds) END,
              last_attempted_at = CASE WHEN ${again} THEN now() ELSE s.last_attempted_at END,
              next_retry_at = CASE WHEN ${again} THEN NULL WHEN o.retry_delay_ms IS NULL THEN s.next_retry_at
                                   ELSE now() + make_interval(secs => o.retry_delay_ms / 1000.0) END,`
              : "state = o.decided_state, claimed_by = NULL, claim_expires_at = NULL,"
          }
              updated_at = now(),
              results = CASE WHEN o.ok THEN o.payload ELSE s.results END,
              error = CASE WHEN o.ok THEN NULL ELSE o.payload END,
              last_failure_at = CASE WHEN o.ok THEN s.last_failure_at ELSE now() END,
              completed_at = CASE WHEN o.decided_state = 'complete' THEN now() ELSE s.completed_at END
         FROM o
        WHERE s.workflow_step_uuid = ${shape.single ? `${p.step_uuid}::uuid` : `ANY(${p.stepUuids}::uuid[])`}
          AND s.workflow_step_uuid = o.step_uuid AND ${guard("s.task_uuid", "o.task_uuid")} AND ${guard("s.state", "'in_progress'")}
          AND s.claimed_by = o.worker_id AND s.attempts = o.attempts
          AND (o.only_if_lease_expired IS NOT TRUE OR s.claim_expires_at < now())
       RETURNING o.i, s.workflow_step_uuid, s.task_uuid, s.name, s.position, o.attempts, s.child_uuids,
                 s.last_attempted_at, o.payload, o.stored_state, o.stored_event, o.stored_metadata, o.decided_state,
                 o.decided_event, o.decided_metadata, o.retry_delay_ms, o.worker_id, o.lease_seconds, o.handler_set,
                 s.state <> o.decided_state AS retried, s.state = '${CLAIMED}' AS claimed_again,
                 s.attempts AS claimed_attempts, o.builds, ${HELD_POSITIONS}${
                   shape.failures
                     ? `,
                 CASE WHEN s.state = '${CLAIMED}' AND o.builds THEN ${claimedRowSql("s", "true")} END AS claimed_row`
                     : ""
                 }
     )`,
      ];
      if (shape.ack) {
        // By key from an array (see visibleMessageIdsSql in queue.ts).
        ctes.push(`acked AS (
       DELETE FROM tasker.queue_messages WHERE msg_id = ANY(ARRAY(SELECT o.msg_id FROM o JOIN stored USING (i)))
     )`);
      }
      // Readiness from what changed: each child of a step completed here has that many fewer
      // unfinished parents, and runs when none is left (pending, attempts left, its task running).
      // Each child is found by its key from its parent's list: a task's other steps are never read.
      // Nothing here joins two of the statement's own row sets on a child: planned generically, such
      // a join was a nested loop, and a batch that freed n children (a fan-out's roots, a chain's
      // steps) compared n x n rows and read every step of their tasks (bench/LOG.md, shapes).
      ctes.push(
        `freeing AS (
       SELECT x.*, x.unfinished_parents = x.n AND x.state = 'pending' AND x.attempts < x.max_attempts
                   AND x.task_uuid = ANY(ARRAY(SELECT task_uuid FROM t WHERE status NOT IN (${TERMINAL}))) AS ready
         FROM (SELECT st.i, st.worker_id, st.lease_seconds, st.builds, st.held_positions, st.handler_set, c.*,
                      count(*) OVER (PARTITION BY c.uuid)::int AS n
                 FROM stored st CROSS JOIN LATERAL unnest(st.child_uuids) AS u(uuid)
                 CROSS JOIN LATERAL (SELECT k.workflow_step_uuid AS uuid, k.task_uuid, k.position, k.handler_callable,
                                            k.unfinished_parents, k.state, k.attempts, k.max_attempts
                                       FROM tasker.workflow_steps k WHERE k.workflow_step_uuid = u.uuid) c
                WHERE st.decided_state IN (${SATISFIED})) x
     )`,
        `freed AS (SELECT DISTINCT ON (uuid) uuid, n, ready FROM freeing ORDER BY uuid)`,
      );
      if (shape.continues) {
        // A worker going on: the first ready child of its step (by position) it has the handler for,
        // each child claimed for one worker at most.
        ctes.push(
          `chosen AS (
       SELECT DISTINCT ON (f.i) f.i, f.uuid, f.worker_id, f.lease_seconds, f.builds, f.held_positions
         FROM freeing f
        WHERE f.ready AND f.lease_seconds IS NOT NULL AND (${p.handlerSets}::jsonb -> f.handler_set) ? f.handler_callable
        ORDER BY f.i, f.position
     )`,
          `kept AS (SELECT DISTINCT ON (uuid) * FROM chosen ORDER BY uuid, i)`,
        );
      }
      const keptJoin = shape.continues ? "LEFT JOIN kept k ON k.uuid = f.uuid" : "";
      const isKept = shape.continues ? "k.uuid IS NOT NULL" : "false";
      ctes.push(
        `advanced AS (
       UPDATE tasker.workflow_steps s
          SET unfinished_parents = s.unfinished_parents - f.n,
              state = CASE WHEN ${isKept} THEN '${CLAIMED}' WHEN f.ready THEN '${ENQUEUED}' ELSE s.state END,
              updated_at = CASE WHEN f.ready THEN now() ELSE s.updated_at END${
                shape.continues
                  ? `,
              attempts = CASE WHEN ${isKept} THEN s.attempts + 1 ELSE s.attempts END,
              claimed_by = CASE WHEN ${isKept} THEN k.worker_id ELSE s.claimed_by END,
              claim_expires_at = CASE WHEN ${isKept} THEN now() + make_interval(secs => k.lease_seconds)
                                      ELSE s.claim_expires_at END,
              last_attempted_at = CASE WHEN ${isKept} THEN now() ELSE s.last_attempted_at END`
                  : ""
              }
         FROM freed f ${keptJoin}
        WHERE s.workflow_step_uuid = f.uuid
       RETURNING s.workflow_step_uuid, s.task_uuid, s.attempts, f.ready AS dispatched,
                 ${shape.continues ? "k.i" : "NULL::int"} AS claimed_for, ${shape.continues ? "k.worker_id" : "NULL::text"} AS worker_id${
                   shape.continues
                     ? `,
                 CASE WHEN k.builds THEN ${claimedRowSql("s", "s.ancestor_positions = k.held_positions")} END AS claimed_row`
                     : ""
                 }
     )`,
        `signal AS (
       INSERT INTO tasker.queue_messages (queue_name, message)
       SELECT ${namespaceQueueSql("t.namespace")}, jsonb_build_object('task_uuid', a.task_uuid, 'step_uuid', a.workflow_step_uuid,
                                                            'correlation_id', t.correlation_id)
         FROM (SELECT task_uuid, workflow_step_uuid FROM advanced WHERE dispatched AND claimed_for IS NULL${
           shape.failures
             ? `
               UNION ALL SELECT task_uuid, workflow_step_uuid FROM stored WHERE retried AND NOT claimed_again`
             : ""
         }) a
         JOIN t ON t.task_uuid = a.task_uuid
        ORDER BY a.task_uuid, a.workflow_step_uuid
       RETURNING pg_notify('${QUEUE_CHANNEL}', queue_name)
     )`,
      );
      if (shape.continues) {
        // The steps claimed for workers going on, apart: each outcome's row looks among these few,
        // not among every step the statement advanced.
        ctes.push(`went_on AS (
       SELECT workflow_step_uuid, task_uuid, attempts, claimed_for AS i, claimed_row FROM advanced WHERE claimed_for IS NOT NULL
     )`);
      }
      // Each task's counts once this statement's writes are in, the facts they give (PLAN_FACTS),
      // and the transitions planTask makes of them (taskPathTable).
      const F = PLAN_FACTS;
      ctes.push(
        `counted AS (
       SELECT t.*, t.steps_done + s.done AS done, t.steps_failed + s.failed AS failed,
              t.steps_waiting + s.waiting AS waiting, t.steps_running - s.n + s.retried + coalesce(a.dispatched, 0) AS running,
              s.retried + coalesce(a.dispatched, 0) AS dispatched
         FROM t
         JOIN (SELECT task_uuid, count(*)::int AS n, count(*) FILTER (WHERE decided_state IN (${SATISFIED}))::int AS done,
                      count(*) FILTER (WHERE decided_state = 'error')::int AS failed,
                      count(*) FILTER (WHERE decided_state = 'waiting_for_retry' AND NOT retried)::int AS waiting,
                      count(*) FILTER (WHERE retried)::int AS retried
                 FROM stored GROUP BY task_uuid) s ON s.task_uuid = t.task_uuid
         LEFT JOIN (SELECT task_uuid, count(*)::int AS dispatched FROM advanced WHERE dispatched GROUP BY task_uuid) a
           ON a.task_uuid = t.task_uuid
     )`,
        `planned AS (
       SELECT c.*, ${pathLookup(
         `(CASE WHEN c.dispatched > 0 THEN ${F.dispatched} ELSE 0 END) + (CASE WHEN c.running > 0 THEN ${F.running} ELSE 0 END)
              + (CASE WHEN c.waiting > 0 THEN ${F.waiting} ELSE 0 END) + (CASE WHEN c.failed > 0 THEN ${F.failed} ELSE 0 END)
              + (CASE WHEN c.done < c.step_count THEN ${F.unfinished} ELSE 0 END)`,
         "c.status",
       )} AS path
         FROM counted c
     )`,
        `moved AS (
       SELECT p.*, p.path -> -1 ->> 1 AS new_status,
              ${
                shape.failures
                  ? `CASE WHEN p.path -> -1 ->> 1 = 'error' THEN (
                SELECT string_agg(format('step %s failed%s: %s', e.name,
                                         CASE WHEN e.err->>'code' <> '' THEN ' (' || (e.err->>'code') || ')' ELSE '' END,
                                         coalesce(e.err->>'message', 'unknown error')), '; ' ORDER BY e.position)
                  FROM (SELECT s.name, s.position, s.error AS err FROM tasker.workflow_steps s
                         WHERE s.task_uuid = p.task_uuid AND s.state = 'error'
                        UNION ALL
                        SELECT st.name, st.position, st.payload FROM stored st
                         WHERE st.task_uuid = p.task_uuid AND st.decided_state = 'error') e) END`
                  : `CASE WHEN p.path -> -1 ->> 1 = 'error' THEN (
                SELECT string_agg(format('step %s failed%s: %s', s.name,
                                         CASE WHEN s.error->>'code' <> '' THEN ' (' || (s.error->>'code') || ')' ELSE '' END,
                                         coalesce(s.error->>'message', 'unknown error')), '; ' ORDER BY s.position)
                  FROM tasker.workflow_steps s WHERE s.task_uuid = p.task_uuid AND s.state = 'error') END`
              } AS reason
         FROM planned p
     )`,
        TASK_UPDATE,
        `task_tr AS (
       INSERT INTO tasker.task_transitions (task_uuid, from_state, to_state, event, metadata)
       SELECT m.task_uuid, e->>0, e->>1, e->>2, '{}'::jsonb
         FROM moved m CROSS JOIN LATERAL jsonb_array_elements(m.path) WITH ORDINALITY AS x(e, n)
        ORDER BY m.task_uuid, x.n
     )`,
      );
      if (shape.failures) {
        // A retry wakes the orchestrator when it is due (a few ms late: the clocks may differ).
        ctes.push(`wake AS (
       INSERT INTO tasker.queue_messages (queue_name, message, visible_at)
       SELECT '${ORCHESTRATION_QUEUE}', jsonb_build_object('kind', 'evaluate_task', 'task_uuid', st.task_uuid,
                                                   'correlation_id', t.correlation_id, 'reason', 'retry_due'),
              now() + make_interval(secs => (st.retry_delay_ms + 10) / 1000.0)
         FROM stored st JOIN t ON t.task_uuid = st.task_uuid
        WHERE st.decided_state = 'waiting_for_retry' AND NOT st.retried
     )`);
      }
      // Lifecycle events, as LifecycleEvent: each step's, then each task's that ended.
      const stepError = cut(
        shape.failures
          ? `(CASE WHEN st.decided_state IN (${SATISFIED}) THEN t.error ELSE coalesce(st.payload->>'message', t.error) END)`
          : "t.error",
      );
      ctes.push(`events AS (
       SELECT count(pg_notify('${EVENTS_CHANNEL}', e.payload)) AS n
         FROM (SELECT 1 AS k, st.i AS ord, json_build_object(
                        'event', CASE st.decided_state WHEN 'complete' THEN '${STEP_COMPLETED}'
                                   WHEN 'waiting_for_retry' THEN '${STEP_RETRY_SCHEDULED}' ELSE '${STEP_FAILED}' END,
                        'task_uuid', t.task_uuid, 'namespace', t.namespace, 'name', t.name, 'version', t.version,
                        'status', t.status, 'correlation_id', t.correlation_id, 'error', ${stepError},
                        'step_uuid', st.workflow_step_uuid, 'step_name', st.name, 'occurred_at', ${p.occurredAt}::text
                      )::text AS payload
                 FROM stored st JOIN t ON t.task_uuid = st.task_uuid
                WHERE st.decided_state <> 'complete' OR ${STEP_COMPLETED_HEARD}
               UNION ALL
               SELECT 2, 0, json_build_object(
                        'event', ${TASK_EVENTS}, 'task_uuid', m.task_uuid, 'namespace', m.namespace, 'name', m.name,
                        'version', m.version, 'status', m.new_status, 'correlation_id', m.correlation_id,
                        'error', ${cut("(CASE m.new_status WHEN 'complete' THEN NULL WHEN 'error' THEN m.reason ELSE m.error END)")},
                        'occurred_at', ${p.occurredAt}::text
                      )::text
                 FROM moved m WHERE m.new_status IN (${TERMINAL})
                ORDER BY 1, 2) e
     )`);
      // Transition rows: the outcome's two, then the steps it dispatched or claimed.
      const transitions = {
        ctes: [],
        stepTransitions: [
          `SELECT st.workflow_step_uuid, st.task_uuid, 'in_progress'::text, st.stored_state, st.stored_event,
              st.stored_metadata || jsonb_build_object('attempt', st.attempts) FROM stored st`,
          `SELECT st.workflow_step_uuid, st.task_uuid, st.stored_state, st.decided_state, st.decided_event,
              st.decided_metadata || jsonb_build_object('attempt', st.attempts) FROM stored st`,
          `SELECT a.workflow_step_uuid, a.task_uuid, 'pending'::text, '${ENQUEUED}'::text, 'enqueue'::text,
              jsonb_build_object('by', 'orchestrator', 'attempt', a.attempts - (a.claimed_for IS NOT NULL)::int)
         FROM advanced a WHERE a.dispatched`,
          ...(shape.failures
            ? [
                `SELECT st.workflow_step_uuid, st.task_uuid, 'waiting_for_retry'::text, '${ENQUEUED}'::text, 'enqueue'::text,
              jsonb_build_object('by', 'orchestrator', 'attempt', st.attempts) FROM stored st WHERE st.retried`,
              ]
            : []),
          ...(shape.continues
            ? [
                `SELECT a.workflow_step_uuid, a.task_uuid, '${ENQUEUED}'::text, '${CLAIMED}'::text, 'claim'::text,
              jsonb_build_object('worker_id', a.worker_id, 'attempt', a.attempts, 'took_over', false, 'continued', true)
         FROM advanced a WHERE a.claimed_for IS NOT NULL`,
              ]
            : []),
          ...(shape.failures
            ? [
                `SELECT st.workflow_step_uuid, st.task_uuid, '${ENQUEUED}'::text, '${CLAIMED}'::text, 'claim'::text,
              jsonb_build_object('worker_id', st.worker_id, 'attempt', st.claimed_attempts, 'took_over', false, 'continued', true)
         FROM stored st WHERE st.claimed_again`,
              ]
            : []),
        ],
      };
      ctes.push(...assembleCtes([transitions]));
      const claimedSteps = [
        ...(shape.continues ? ["SELECT workflow_step_uuid, task_uuid, attempts, i FROM went_on"] : []),
        ...(shape.failures
          ? [
              "SELECT workflow_step_uuid, task_uuid, claimed_attempts AS attempts, i FROM stored WHERE claimed_again",
            ]
          : []),
      ];
      const claimedRows = [
        ...(shape.continues ? ["SELECT claimed_row, i FROM went_on"] : []),
        ...(shape.failures ? ["SELECT claimed_row, i FROM stored"] : []),
      ];
      const claimedRow =
        claimedRows.length > 0
          ? `(SELECT r.claimed_row FROM (${claimedRows.join(" UNION ALL ")}) r WHERE r.i = o.i AND r.claimed_row IS NOT NULL)`
          : "NULL::jsonb";
      const claimed =
        claimedSteps.length > 0
          ? `CASE WHEN o.builds IS NOT TRUE THEN (SELECT to_jsonb(c) FROM (
              SELECT u.workflow_step_uuid, u.task_uuid, u.name, u.handler_callable, u.initialization, a.attempts,
                     u.max_attempts, u.timeout_seconds, tc.name AS task_name, tc.namespace, tc.version, tc.correlation_id,
                     cardinality(u.child_uuids) AS child_count, tc.context,
                     coalesce((SELECT jsonb_object_agg(d.name, coalesce(ds.payload, d.results)) FROM ${ancestorRows("u", "d")}
                                 LEFT JOIN stored ds ON ds.workflow_step_uuid = d.workflow_step_uuid), '{}'::jsonb) AS dependency_results
                FROM (${claimedSteps.join(" UNION ALL ")}) a
                JOIN tasker.workflow_steps u ON u.workflow_step_uuid = a.workflow_step_uuid
                JOIN tasker.tasks tc ON tc.task_uuid = a.task_uuid
               WHERE a.i = o.i) c) END`
          : "NULL::jsonb";
      return `WITH ${ctes.join(",\n     ")}
     SELECT st.i IS NOT NULL AS stored, st.name AS step_name, t.namespace,
            extract(epoch FROM now() - st.last_attempted_at)::float8 AS attempt_seconds,
            coalesce(m.new_status, m.status) AS task_status,
            coalesce(m.new_status IN (${TERMINAL}) AND o.i = (SELECT min(s2.i) FROM stored s2 WHERE s2.task_uuid = o.task_uuid), false)
              AS task_finished,
            ${claimed} AS claimed, ${claimedRow} AS claimed_row, (SELECT n FROM events) AS notified
       FROM o LEFT JOIN stored st ON st.i = o.i LEFT JOIN t ON t.task_uuid = o.task_uuid
       LEFT JOIN moved m ON m.task_uuid = o.task_uuid
      ORDER BY o.i`;
    }),
);

/**
 * Stores decided outcomes (of any steps of any tasks, several of one task allowed) and advances
 * their tasks in one statement, from what changed rather than from every step: a completed step's
 * children each count one unfinished parent fewer and are dispatched (or claimed for a worker going
 * on) when none is left, and each task's step counts, moved by what was stored and dispatched, give
 * the facts its next state is planned from (see taskPathTable). With them: transition rows, queue
 * messages and their NOTIFY, a retry's wake-up, the acked deliveries, lifecycle events, and the
 * task's status, error and counts. Nothing is written for an outcome whose worker no longer holds its
 * claim on that attempt. Run it after locking the tasks (in uuid order), so that its snapshot holds
 * every decision committed before and the counts it starts from are exact.
 */
export function advanceTasksStatement(
  outcomes: readonly OutcomeWrite[],
  occurredAt: Date,
): Statement<AdvancedRow> {
  const handlerSets: (readonly string[])[] = [];
  const rows = outcomes.map((w, i): Record<OutcomeColumn, unknown> => {
    const via = STEP_TRANSITIONS[w.stored.event];
    const to = STEP_TRANSITIONS[w.decided.event];
    if (!via.from.includes("in_progress") || !to.from.includes(via.to)) {
      throw new Error(`no step path in_progress -${w.stored.event}-> ${via.to} -${w.decided.event}->`);
    }
    let handlerSet: number | null = null;
    if (w.continueWith) {
      const handlers = w.continueWith.handlers;
      handlerSet = handlerSets.indexOf(handlers);
      if (handlerSet < 0) handlerSet = handlerSets.push(handlers) - 1;
    }
    return {
      i,
      task_uuid: w.taskUuid,
      step_uuid: w.stepUuid,
      worker_id: w.workerId,
      attempts: w.attempts,
      ok: w.ok,
      payload: w.payload,
      stored_state: via.to,
      stored_event: w.stored.event,
      stored_metadata: w.stored.metadata,
      decided_state: to.to,
      decided_event: w.decided.event,
      decided_metadata: w.decided.metadata,
      retry_delay_ms: w.retryDelayMs,
      msg_id: w.outboxMsgId,
      lease_seconds: w.continueWith?.leaseSeconds ?? null,
      handler_set: handlerSet,
      only_if_lease_expired: w.onlyIfLeaseExpired ?? null,
      builds: w.continueWith?.buildsNext === true,
    };
  });
  const single = rows.length === 1;
  const { sql, names } = single
    ? singleText({
        success: (outcomes[0] as OutcomeWrite).ok,
        ack: (outcomes[0] as OutcomeWrite).outboxMsgId !== null,
        continues: handlerSets.length > 0,
        builds: (outcomes[0] as OutcomeWrite).continueWith?.buildsNext === true,
        children: childrenOf((outcomes[0] as OutcomeWrite).childCount),
      })
    : advanceText({
        single,
        ack: outcomes.some((w) => w.outboxMsgId !== null),
        failures: outcomes.some((w) => !w.ok),
        continues: handlerSets.length > 0,
      });
  const values: Partial<Record<(typeof PARAMS)[number], unknown>> = {
    handlerSets: handlerSetsJson(handlerSets),
    occurredAt: occurredAt.toISOString(),
  };
  if (single) {
    const row = rows[0] as Record<OutcomeColumn, unknown>;
    for (const c of OUTCOME_NAMES) values[c] = row[c];
    for (const c of ["payload", "stored_metadata", "decided_metadata"] as const) {
      values[c] = JSON.stringify(row[c]);
    }
  } else {
    values.outcomes = JSON.stringify(rows);
    values.taskUuids = [...new Set(outcomes.map((w) => w.taskUuid))];
    values.stepUuids = outcomes.map((w) => w.stepUuid);
  }
  return { sql, params: paramValues(names, values) };
}

function childrenOf(count: number | undefined): SingleShape["children"] {
  return count === 0 ? "none" : count === 1 ? "one" : "many";
}

const setsJson = new WeakMap<readonly string[], string>();
/** The handler sets as a JSON array (one worker's list is written once, then reused). */
function handlerSetsJson(sets: readonly (readonly string[])[]): string {
  if (sets.length !== 1) return JSON.stringify(sets);
  const set = sets[0] as readonly string[];
  let json = setsJson.get(set);
  if (json === undefined) {
    json = JSON.stringify(sets);
    setsJson.set(set, json);
  }
  return json;
}

/** Locks tasks' rows in uuid order (two transactions locking several tasks cannot deadlock). */
export function lockTasksStatement(taskUuids: readonly string[]): Statement<{ task_uuid: string }> {
  return {
    sql: "SELECT task_uuid FROM tasker.tasks WHERE task_uuid = ANY($1::uuid[]) ORDER BY task_uuid FOR UPDATE",
    params: [taskUuids],
  };
}
