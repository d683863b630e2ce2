import type { FailedStep } from "../../lifecycle/decide-outcome.js";
import { STEP_TRANSITIONS, type StepEvent } from "../../state/step-states.js";
import { TASK_TERMINAL_STATES } from "../../state/task-states.js";
import { type Database, type Queryable, run, runUnflushed, type Statement } from "../database.js";
import {
  builtPerShape,
  numberParams,
  numberUsedParams,
  type ParamRefs,
  paramValues,
} from "./numbered-params.js";
import { assembleCtes, type StatementPart } from "./step-transition-rows.js";

export interface NewStep {
  workflow_step_uuid: string;
  task_uuid: string;
  name: string;
  position: number;
  handler_callable: string;
  initialization: Record<string, unknown>;
  max_attempts: number;
  retryable: boolean;
  backoff: string;
  backoff_base_ms: number;
  max_backoff_ms: number;
  timeout_seconds: number;
  /** The positions of its ancestors, as an int4multirange literal (see ancestor-positions.ts). */
  ancestor_positions: string;
  /** The steps that depend on this one. */
  child_uuids: string[];
}

/**
 * The columns a new step is inserted with, read from a JSON array of {@link NewStep} rows plus
 * `unfinished_parents` (jsonb_to_recordset): every statement that creates steps (a task, a batch
 * of tasks, the steps an outcome creates) names them from here. `extra` adds columns of the
 * JSON rows that only one of them reads, as `name type` pairs.
 */
export function newStepColumns(extra = ""): { list: string; record: string } {
  return {
    list: `workflow_step_uuid, task_uuid, name, position, handler_callable, initialization, max_attempts, retryable,
              backoff, backoff_base_ms, max_backoff_ms, timeout_seconds, ancestor_positions, child_uuids, unfinished_parents`,
    record: `x(workflow_step_uuid uuid, task_uuid uuid, name text, position int,
              handler_callable text, initialization jsonb, max_attempts int, retryable boolean, backoff text,
              backoff_base_ms int, max_backoff_ms int, timeout_seconds real, ancestor_positions int4multirange, child_uuids uuid[],
              unfinished_parents int${extra ? `, ${extra}` : ""})`,
  };
}

/** A step with its parent counts: what readiness, the planner and the API need. */
export interface StepRow extends NewStep {
  state: string;
  attempts: number;
  results: unknown;
  error: Record<string, unknown> | null;
  next_retry_at: Date | null;
  last_attempted_at: Date | null;
  last_failure_at: Date | null;
  claimed_by: string | null;
  claim_expires_at: Date | null;
  created_at: Date;
  updated_at: Date;
  completed_at: Date | null;
  /** Parents not yet done, as the step's row counts them (see advance-tasks.ts). */
  unfinished_parents: number;
  /** Parents, and those done (complete or resolved_manually), counted from the edges. */
  total_parents: number;
  completed_parents: number;
  /** The last checkpoint its attempts saved, and when (read with the payload only). */
  checkpoint?: Record<string, unknown> | null;
  checkpointed_at?: Date | null;
}

/** A step as it is on creation (pending, never attempted): what the planner sees of a new task. */
export function newStepRow(s: NewStep, parents: number, now: Date): StepRow {
  // Field by field, not `{ ...s, state, ... }`: on Node 20 a spread that adds keys its source
  // lacks costs more than it reads better (measured with the rest: bench/LOG.md, 2026-12-05).
  return {
    workflow_step_uuid: s.workflow_step_uuid,
    task_uuid: s.task_uuid,
    name: s.name,
    position: s.position,
    handler_callable: s.handler_callable,
    initialization: s.initialization,
    max_attempts: s.max_attempts,
    retryable: s.retryable,
    backoff: s.backoff,
    backoff_base_ms: s.backoff_base_ms,
    max_backoff_ms: s.max_backoff_ms,
    timeout_seconds: s.timeout_seconds,
    ancestor_positions: s.ancestor_positions,
    child_uuids: s.child_uuids,
    state: "pending",
    attempts: 0,
    results: null,
    error: null,
    next_retry_at: null,
    last_attempted_at: null,
    last_failure_at: null,
    claimed_by: null,
    claim_expires_at: null,
    created_at: now,
    updated_at: now,
    completed_at: null,
    unfinished_parents: parents,
    total_parents: parents,
    completed_parents: 0,
  };
}

/**
 * Each step's parent counts as `p.total` and `p.done` (and their uuids as `p.parents`): its parents
 * are the steps of the tasks `ps.task_uuid ${tasks}` whose child_uuids hold it.
 */
export function parentsJoin(tasks: string, withUuids = false): string {
  return `
  LEFT JOIN (
    SELECT c.child_uuid, count(*)::int AS total,
           count(*) FILTER (WHERE ps.state IN ('complete', 'resolved_manually'))::int AS done${
             withUuids ? ",\n           array_agg(ps.workflow_step_uuid::text) AS parents" : ""
           }
      FROM tasker.workflow_steps ps CROSS JOIN LATERAL unnest(ps.child_uuids) AS c(child_uuid)
     WHERE ps.task_uuid ${tasks}
     GROUP BY c.child_uuid) p ON p.child_uuid = s.workflow_step_uuid`;
}
const PARENTS_OF_TASK = parentsJoin("= $1");

/** The columns of a {@link StepRow}; `withPayload` reads results (else null: planning skips them). */
function stepColumns(withPayload: boolean): string {
  return `s.workflow_step_uuid, s.task_uuid, s.name, s.position, s.handler_callable, s.initialization, s.state, s.attempts,
          s.max_attempts, s.retryable, s.backoff, s.backoff_base_ms, s.max_backoff_ms, s.timeout_seconds,
          s.unfinished_parents,
          ${withPayload ? "s.results, s.checkpoint, s.checkpointed_at" : "NULL::jsonb AS results"}, s.error, s.next_retry_at, s.last_attempted_at,
          s.last_failure_at, s.claimed_by, s.claim_expires_at, s.created_at, s.updated_at, s.completed_at,
          coalesce(p.total, 0) AS total_parents, coalesce(p.done, 0) AS completed_parents`;
}

/** The statement selectSteps runs, with its parameters (exported for plan tests). */
export function selectStepsStatement(
  taskUuid: string,
  opts: { withPayload?: boolean } = {},
): Statement<StepRow> {
  return {
    sql: `SELECT ${stepColumns(opts.withPayload ?? false)}
       FROM tasker.workflow_steps s ${PARENTS_OF_TASK}
      WHERE s.task_uuid = $1
      ORDER BY s.position`,
    params: [taskUuid],
  };
}

/** Every step of a task with parent counts, in template order. `withPayload` adds results. */
export function selectSteps(q: Queryable, taskUuid: string, opts: { withPayload?: boolean } = {}) {
  return run(q, selectStepsStatement(taskUuid, opts));
}

/** An attempt's outcome and where the step goes with it (see lifecycle/store-outcomes.ts). */
export interface StepOutcomeWrite {
  taskUuid: string;
  stepUuid: string;
  /** The claim this outcome belongs to. */
  workerId: string;
  attempts: number;
  ok: boolean;
  /** The result (ok) or the error. */
  payload: unknown;
  /** The worker's event (`succeed | fail`) and the decision that follows it at once. */
  stored: { event: StepEvent; metadata: Record<string, unknown> };
  decided: { event: StepEvent; metadata: Record<string, unknown> };
  retryDelayMs: number | null;
  outboxMsgId: string | null;
}

/** A step as the outcome's statement read it, with the uuids of its parents. */
export type StoredOutcomeStepRow = StepRow & { parent_uuids: string[] };

/** The named parameters of {@link storeOutcomePart}. */
export const STORE_OUTCOME_PARAMS = [
  "stepUuid",
  "workerId",
  "attempts",
  "decidedState",
  "ok",
  "payload",
  "retryDelayMs",
  "storedState",
  "storedEvent",
  "storedMetadata",
  "decidedEvent",
  "decidedMetadata",
  "outboxMsgId",
  "taskUuid",
] as const;
export type StoreOutcomeParam = (typeof STORE_OUTCOME_PARAMS)[number];

/**
 * The part that stores an outcome (`stored`, its two transition rows, `stored_ack`): nothing is
 * written unless this worker holds this attempt's claim and `gate` (an SQL boolean) holds. `stored`
 * returns the stored step: empty when nothing was written. The claim is checked by the UPDATE's own
 * condition, which PostgreSQL checks again on the row's newest version when it had to wait for it.
 */
export function storeOutcomePart(p: ParamRefs<StoreOutcomeParam>, gate: string, ack: boolean): StatementPart {
  const ctes = [
    `stored AS (
       UPDATE tasker.workflow_steps s
          SET state = ${p.decidedState}, updated_at = now(), claimed_by = NULL, claim_expires_at = NULL,
              results = CASE WHEN ${p.ok}::boolean THEN ${p.payload}::jsonb ELSE s.results END,
              error = CASE WHEN ${p.ok}::boolean THEN NULL ELSE ${p.payload}::jsonb END,
              last_failure_at = CASE WHEN ${p.ok}::boolean THEN s.last_failure_at ELSE now() END,
              completed_at = CASE WHEN ${p.decidedState} = 'complete' THEN now() ELSE s.completed_at END,
              next_retry_at = CASE WHEN ${p.retryDelayMs}::float8 IS NULL THEN s.next_retry_at
                                   ELSE now() + make_interval(secs => ${p.retryDelayMs}::float8 / 1000.0) END
        WHERE s.workflow_step_uuid = ${p.stepUuid} AND s.state = 'in_progress' AND s.claimed_by = ${p.workerId}
          AND s.attempts = ${p.attempts} AND ${gate}
       RETURNING s.workflow_step_uuid, s.task_uuid, s.attempts
     )`,
  ];
  if (ack) {
    ctes.push(`stored_ack AS (
       DELETE FROM tasker.queue_messages WHERE msg_id = ${p.outboxMsgId}::bigint AND EXISTS (SELECT 1 FROM stored)
     )`);
  }
  return {
    ctes,
    stepTransitions: [
      `SELECT u.workflow_step_uuid, u.task_uuid, 'in_progress'::text, ${p.storedState}::text, ${p.storedEvent}::text,
              ${p.storedMetadata}::jsonb || jsonb_build_object('attempt', u.attempts) FROM stored u`,
      `SELECT u.workflow_step_uuid, u.task_uuid, ${p.storedState}::text, ${p.decidedState}::text, ${p.decidedEvent}::text,
              ${p.decidedMetadata}::jsonb || jsonb_build_object('attempt', u.attempts) FROM stored u`,
    ],
  };
}

/** The values of {@link storeOutcomePart}'s parameters for one outcome. */
export function storeOutcomeValues(w: StepOutcomeWrite): Record<StoreOutcomeParam, unknown> {
  const via = STEP_TRANSITIONS[w.stored.event];
  const to = STEP_TRANSITIONS[w.decided.event];
  if (!via.from.includes("in_progress") || !to.from.includes(via.to)) {
    throw new Error(`no step path in_progress -${w.stored.event}-> ${via.to} -${w.decided.event}->`);
  }
  return {
    stepUuid: w.stepUuid,
    workerId: w.workerId,
    attempts: w.attempts,
    decidedState: to.to,
    ok: w.ok,
    payload: JSON.stringify(w.payload),
    retryDelayMs: w.retryDelayMs,
    storedState: via.to,
    storedEvent: w.stored.event,
    storedMetadata: JSON.stringify(w.stored.metadata),
    decidedEvent: w.decided.event,
    decidedMetadata: JSON.stringify(w.decided.metadata),
    outboxMsgId: w.outboxMsgId,
    taskUuid: w.taskUuid,
  };
}

// Built once per shape (with or without a delivery to ack): the same string on every call (its
// prepared statement name is looked up by it).
const storeOutcomeSql = builtPerShape(
  (ack: boolean) => `${+ack}`,
  (ack) =>
    numberUsedParams(
      STORE_OUTCOME_PARAMS,
      (p) => `WITH ${assembleCtes([storeOutcomePart(p, "true", ack)]).join(", ")}
     SELECT ${stepColumns(false)}, coalesce(p.parents, '{}') AS parent_uuids
       FROM tasker.workflow_steps s ${parentsJoin(`= ${p.taskUuid}`, true)}
      WHERE s.task_uuid = ${p.taskUuid} AND EXISTS (SELECT 1 FROM stored)
      ORDER BY s.position`,
    ),
);

/**
 * Stores a worker's outcome and the decision on it in one statement: `in_progress -> succeed|fail
 * -> complete|waiting_for_retry|error` with both transition rows, only while this worker holds
 * this attempt's claim, acking the delivery. Its rows are the task's steps as they were before (this
 * statement's snapshot) with their parents, or none when the claim was lost and nothing was
 * written. Run it after locking the task, so that snapshot holds every decision committed before.
 */
export function storeStepOutcomeStatement(w: StepOutcomeWrite): Statement<StoredOutcomeStepRow> {
  const { sql, names } = storeOutcomeSql(w.outboxMsgId !== null);
  return { sql, params: paramValues(names, storeOutcomeValues(w)) };
}

export async function selectStep(
  q: Queryable,
  taskUuid: string,
  stepUuid: string,
): Promise<StepRow | undefined> {
  const rows = await q.query<StepRow>(
    `SELECT s.*, coalesce(p.total, 0) AS total_parents, coalesce(p.done, 0) AS completed_parents
       FROM tasker.workflow_steps s ${PARENTS_OF_TASK}
      WHERE s.task_uuid = $1 AND s.workflow_step_uuid = $2`,
    [taskUuid, stepUuid],
  );
  return rows[0];
}

/** What a worker needs to run one claimed step, loaded in the claim statement itself. */
export interface ClaimedStep {
  workflow_step_uuid: string;
  task_uuid: string;
  name: string;
  handler_callable: string;
  initialization: Record<string, unknown>;
  attempts: number;
  max_attempts: number;
  timeout_seconds: number;
  task_name: string;
  namespace: string;
  version: string;
  correlation_id: string;
  context: Record<string, unknown>;
  dependency_results: Record<string, unknown>;
  /** How many steps depend on it (its outcome's statement is shaped by it: none, one, or more). */
  child_count: number;
  /**
   * The last checkpoint an earlier attempt saved (null: none). Undefined when the statement that
   * claimed it did not read it (a step claimed as its parent's outcome was stored): read it then
   * (selectCheckpoint) if the step ran before.
   */
  checkpoint?: Record<string, unknown> | null;
}

/**
 * The ancestors' rows `a` (uuid, name, results) of step row `u`, for a FROM clause: each range of
 * its ancestor positions is one index range of workflow_steps_position_key, read in position
 * order and limited to the range's size (every position in it is a step). The order and the limit
 * are what make the planner take that index's range: given only `task_uuid =` and the bounds, it
 * could read every step of the task and filter them, each claim of a 1,000-way fan-out's child
 * then reading the 1,002 steps and their dead versions for its one ancestor.
 */
export function ancestorRows(u: string, a: string): string {
  return `unnest(${u}.ancestor_positions) AS ${a}_range,
         LATERAL (SELECT ${a}_step.workflow_step_uuid, ${a}_step.name, ${a}_step.results FROM tasker.workflow_steps ${a}_step
                   WHERE ${a}_step.task_uuid = ${u}.task_uuid AND ${a}_step.position >= lower(${a}_range)
                     AND ${a}_step.position < upper(${a}_range)
                   ORDER BY ${a}_step.position LIMIT upper(${a}_range) - lower(${a}_range)) ${a}`;
}

/**
 * The columns of a {@link ClaimedStep}, from the claimed step row `u` joined to its task `t`: what
 * every claim returns, whichever statement made it.
 */
export const CLAIMED_STEP_COLUMNS = `u.workflow_step_uuid, u.task_uuid, u.name, u.handler_callable, u.initialization,
  u.attempts, u.max_attempts, u.timeout_seconds, t.name AS task_name, t.namespace, t.version, t.correlation_id,
  cardinality(u.child_uuids) AS child_count, u.checkpoint, t.context, coalesce((SELECT jsonb_object_agg(a.name, a.results)
                        FROM ${ancestorRows("u", "a")}), '{}'::jsonb) AS dependency_results`;

/** The named parameters of {@link claimStepCtes}. */
export const CLAIM_PARAMS = [
  "workerId",
  "leaseSeconds",
  "claimFrom",
  "expireFrom",
  "claimState",
  "expireState",
] as const;
export type ClaimParam = (typeof CLAIM_PARAMS)[number];

/** The values of {@link claimStepCtes}'s parameters. */
export function claimValues(workerId: string, leaseSeconds: number): Record<ClaimParam, unknown> {
  const claim = STEP_TRANSITIONS.claim;
  const expire = STEP_TRANSITIONS.claim_expired;
  return {
    workerId,
    leaseSeconds,
    claimFrom: claim.from,
    expireFrom: expire.from,
    claimState: claim.to,
    expireState: expire.to,
  };
}

/** The task states that end a task, as an SQL list (constants: the statement text stays the same). */
const TASK_TERMINAL_LIST = [...TASK_TERMINAL_STATES].map((st) => `'${st}'`).join(", ");

/** SQL: the task of step row `s` has ended (complete, error, cancelled, resolved by hand). */
export function taskFinishedSql(s: string): string {
  return `EXISTS (SELECT 1 FROM tasker.tasks ft WHERE ft.task_uuid = ${s}.task_uuid AND ft.status IN (${TASK_TERMINAL_LIST}))`;
}

/**
 * SQL: step row `s` is `in_progress` and its lease ran out on its last attempt (its worker died):
 * it is never taken over, the lost-claim sweep fails it (see selectLostLastAttempts).
 */
function lastAttemptLostSql(s: string): string {
  return `(${s}.state = 'in_progress' AND ${s}.claim_expires_at < now() AND ${s}.attempts >= ${s}.max_attempts)`;
}

/**
 * SQL: a claim of step row `s` that found nothing to claim may succeed later - the step is queued,
 * or running under a live lease (or one another worker may take over) - so its message is read
 * again later rather than acked. Never for a step of a finished task, or one whose last attempt's
 * worker died: no claim will ever take those (see claimStepCtes).
 */
export function mayClaimLaterSql(s: string): string {
  return `(${s}.state = 'enqueued' OR (${s}.state = 'in_progress' AND NOT coalesce(${lastAttemptLostSql(s)}, false)))
          AND NOT ${taskFinishedSql(s)}`;
}

/**
 * The CTEs that claim steps for a worker (`claim_target`, `claimed`, `claimed_tr`): each step
 * whose uuid `candidates` (SQL of a set of uuids) lists and that is `enqueued`, or `in_progress`
 * with its lease expired and attempts left (taken over, recording `claim_expired` first), moves to
 * `in_progress` with attempts + 1 and a lease. No step of a finished task (cancelled, say) is
 * claimed, however it is announced: nothing starts after a cancel. `skipLocked`: a step whose row
 * is locked is left alone instead of waited for. `claimed` returns the claimed rows with
 * `from_state`.
 */
export function claimStepCtes(p: ParamRefs<ClaimParam>, candidates: string, skipLocked = false): string {
  return `claim_target AS (
       SELECT cs.workflow_step_uuid, cs.state AS from_state FROM tasker.workflow_steps cs
        WHERE cs.workflow_step_uuid IN (${candidates})
          AND (cs.state = ANY(${p.claimFrom}::text[])
               OR (cs.state = ANY(${p.expireFrom}::text[]) AND cs.claim_expires_at < now() AND cs.attempts < cs.max_attempts))
          AND NOT ${taskFinishedSql("cs")}
        FOR UPDATE OF cs${skipLocked ? " SKIP LOCKED" : ""}
     ), claimed AS (
       UPDATE tasker.workflow_steps s
          SET state = ${p.claimState}, attempts = s.attempts + 1, claimed_by = ${p.workerId}, updated_at = now(),
              claim_expires_at = now() + make_interval(secs => ${p.leaseSeconds}::float8), last_attempted_at = now(),
              next_retry_at = NULL
         FROM claim_target
        WHERE s.workflow_step_uuid = claim_target.workflow_step_uuid
       RETURNING s.*, claim_target.from_state
     ), claimed_tr AS (
       INSERT INTO tasker.workflow_step_transitions (workflow_step_uuid, task_uuid, from_state, to_state, event, metadata)
       SELECT u.workflow_step_uuid, u.task_uuid, x.from_state, x.to_state, x.event, x.metadata
         FROM claimed u CROSS JOIN LATERAL (VALUES
           (1, u.from_state, ${p.expireState}::text, 'claim_expired',
            jsonb_build_object('reason', 'lease expired; the worker holding it stopped answering', 'taken_over_by', ${p.workerId}::text,
                               'attempt', u.attempts - 1), u.from_state <> ALL(${p.claimFrom}::text[])),
           (2, ${p.expireState}::text, ${p.claimState}::text, 'claim',
            jsonb_build_object('worker_id', ${p.workerId}::text, 'attempt', u.attempts, 'took_over', u.from_state <> ALL(${p.claimFrom}::text[])), true)
         ) AS x(ord, from_state, to_state, event, metadata, applies)
        WHERE x.applies
        ORDER BY x.ord
     )`;
}

const CLAIM_REFS = numberParams(["stepUuid", ...CLAIM_PARAMS] as const);
// Built once (see storeOutcomeSql).
const CLAIM_SQL = `WITH ${claimStepCtes(CLAIM_REFS, `${CLAIM_REFS.stepUuid}::uuid`)}
     SELECT ${CLAIMED_STEP_COLUMNS}
       FROM claimed u JOIN tasker.tasks t ON t.task_uuid = u.task_uuid`;

/**
 * A worker claims a step in one statement: `enqueued -> in_progress` with attempts + 1 and a
 * lease, returning everything the handler needs (task context, ancestors' results). A step whose
 * previous worker's lease ran out (it died) is taken over, recording `claim_expired` first.
 * Returns "busy" when another worker holds a live lease, undefined when the step is not
 * claimable and will not be (a duplicate or stale message, a step of a finished task, or one whose
 * worker died on its last attempt).
 */
export async function claimStep(
  db: Database,
  stepUuid: string,
  workerId: string,
  leaseSeconds: number,
): Promise<ClaimedStep | "busy" | undefined> {
  // A claim lost in a server crash was never made: the step is delivered and claimed again, and
  // the guarded store refuses the outcome of the lost attempt. No need to wait for the disk.
  const rows = await runUnflushed<ClaimedStep>(db, {
    sql: CLAIM_SQL,
    params: paramValues(["stepUuid", ...CLAIM_PARAMS], { stepUuid, ...claimValues(workerId, leaseSeconds) }),
  });
  if (rows[0]) return rows[0];
  const [row] = await db.query<{ busy: boolean }>(
    `SELECT ${mayClaimLaterSql("s")} AS busy FROM tasker.workflow_steps s WHERE s.workflow_step_uuid = $1`,
    [stepUuid],
  );
  return row?.busy ? "busy" : undefined;
}

/**
 * Extends the lease of steps a worker is still running (heartbeat). A step whose row is locked is
 * skipped, not waited for: it is being stored right now (the lease no longer matters), and a
 * heartbeat that waited while holding other steps' rows could deadlock with a group commit, which
 * locks several of them in its own order.
 */
export async function extendClaims(
  q: Queryable,
  stepUuids: readonly string[],
  workerId: string,
  seconds: number,
) {
  if (stepUuids.length === 0) return;
  await run(q, extendClaimsStatement(stepUuids, workerId, seconds));
}

/** The statement extendClaims runs (exported for plan tests). */
export function extendClaimsStatement(
  stepUuids: readonly string[],
  workerId: string,
  seconds: number,
): Statement<never> {
  // Updated by key from an array (see visibleMessageIdsSql in queue.ts).
  return {
    sql: `UPDATE tasker.workflow_steps SET claim_expires_at = now() + make_interval(secs => $3)
      WHERE workflow_step_uuid = ANY(ARRAY(SELECT workflow_step_uuid FROM tasker.workflow_steps
                                            WHERE workflow_step_uuid = ANY($1::uuid[]) AND claimed_by = $2
                                              AND state = 'in_progress'
                                            FOR UPDATE SKIP LOCKED))`,
    params: [stepUuids, workerId, seconds],
  };
}

/** A step to announce again on its namespace's queue: what its signal needs. */
export interface StepToSignal {
  workflow_step_uuid: string;
  task_uuid: string;
  namespace: string;
  correlation_id: string;
}

/** The statement selectExpiredClaims runs, with its parameters (exported for plan tests). */
export function expiredClaimsStatement(limit: number): Statement<StepToSignal> {
  return {
    sql: `SELECT s.workflow_step_uuid, s.task_uuid, t.namespace, t.correlation_id
       FROM tasker.workflow_steps s JOIN tasker.tasks t ON t.task_uuid = s.task_uuid
      WHERE s.state = 'in_progress' AND s.claim_expires_at < now() AND s.attempts < s.max_attempts
        AND t.status NOT IN (${TASK_TERMINAL_LIST})
      ORDER BY s.claim_expires_at LIMIT $1`,
    params: [limit],
  };
}

/**
 * In-progress steps whose lease ran out (their worker died or hung) and that another worker may
 * take over (attempts left, task unfinished): for the recovery sweep to signal again.
 */
export function selectExpiredClaims(q: Queryable, limit: number) {
  return run(q, expiredClaimsStatement(limit));
}

/** A lost claim of a finished task, cancelled by the sweep (see {@link cancelLostClaimsOfFinishedTasks}). */
export interface CancelledClaim {
  workflow_step_uuid: string;
  task_uuid: string;
}

// The sweep's path, from the transition table: in_progress -claim_expired-> enqueued -cancel-> cancelled.
const LOST = { expired: STEP_TRANSITIONS.claim_expired, cancel: STEP_TRANSITIONS.cancel };
if (!LOST.cancel.from.includes(LOST.expired.to) || !LOST.expired.from.includes("in_progress")) {
  throw new Error("the step transition table no longer has the lost-claim sweep's path");
}

const CANCEL_LOST_CLAIMS_SQL = `WITH lost AS (
       SELECT s.workflow_step_uuid, s.claimed_by, t.status AS task_status
         FROM tasker.workflow_steps s JOIN tasker.tasks t ON t.task_uuid = s.task_uuid
        WHERE s.state = 'in_progress' AND s.claim_expires_at < now() AND t.status IN (${TASK_TERMINAL_LIST})
        ORDER BY s.claim_expires_at
        LIMIT $1
        FOR UPDATE OF s SKIP LOCKED
     ), ended AS (
       UPDATE tasker.workflow_steps s
          SET state = '${LOST.cancel.to}', claimed_by = NULL, claim_expires_at = NULL, updated_at = now()
         FROM lost
        WHERE s.workflow_step_uuid = lost.workflow_step_uuid
       RETURNING s.workflow_step_uuid, s.task_uuid, s.attempts, lost.claimed_by, lost.task_status
     ), ended_tr AS (
       INSERT INTO tasker.workflow_step_transitions (workflow_step_uuid, task_uuid, from_state, to_state, event, metadata)
       SELECT e.workflow_step_uuid, e.task_uuid, x.from_state, x.to_state, x.event, x.metadata
         FROM ended e CROSS JOIN LATERAL (VALUES
           (1, 'in_progress', '${LOST.expired.to}', 'claim_expired',
            jsonb_build_object('reason', 'lease expired; the worker holding it stopped answering', 'worker_id', e.claimed_by,
                               'attempt', e.attempts)),
           (2, '${LOST.expired.to}', '${LOST.cancel.to}', 'cancel',
            jsonb_build_object('reason', 'its task is ' || e.task_status || ': the step is not run again', 'attempt', e.attempts))
         ) AS x(ord, from_state, to_state, event, metadata)
        ORDER BY e.workflow_step_uuid, x.ord
     )
     SELECT workflow_step_uuid, task_uuid FROM ended`;

/** The statement cancelLostClaimsOfFinishedTasks runs, with its parameters (exported for plan tests). */
export function cancelLostClaimsStatement(limit: number): Statement<CancelledClaim> {
  return { sql: CANCEL_LOST_CLAIMS_SQL, params: [limit] };
}

/**
 * Cancels lost claims of finished tasks: an `in_progress` step whose lease ran out (its worker
 * died) and whose task has finished (`claim_expired`, then `cancel`): nothing starts after a
 * cancel. Its task is finished, so its step counts are not kept any more. Steps whose row is
 * locked are left for the next sweep.
 */
export function cancelLostClaimsOfFinishedTasks(q: Queryable, limit: number): Promise<CancelledClaim[]> {
  return run(q, cancelLostClaimsStatement(limit));
}

/** A step whose worker died on its last attempt (see {@link selectLostLastAttempts}). */
export interface LostLastAttempt {
  workflow_step_uuid: string;
  task_uuid: string;
  claimed_by: string;
  attempts: number;
  max_attempts: number;
  /** A batch instance's batch (its failure strategy decides what its failure does), else null. */
  batch: Record<string, unknown> | null;
}

/** The statement selectLostLastAttempts runs, with its parameters (exported for plan tests). */
export function lostLastAttemptsStatement(limit: number): Statement<LostLastAttempt> {
  return {
    sql: `SELECT s.workflow_step_uuid, s.task_uuid, s.claimed_by, s.attempts, s.max_attempts,
            s.initialization->'batch' AS batch
       FROM tasker.workflow_steps s JOIN tasker.tasks t ON t.task_uuid = s.task_uuid
      WHERE s.state = 'in_progress' AND s.claim_expires_at < now() AND s.attempts >= s.max_attempts
        AND s.claimed_by IS NOT NULL AND t.status NOT IN (${TASK_TERMINAL_LIST})
      ORDER BY s.claim_expires_at LIMIT $1`,
    params: [limit],
  };
}

/**
 * `in_progress` steps whose lease ran out on their last attempt, in unfinished tasks: no claim takes
 * them over (max_attempts holds), so the sweep fails them in their dead worker's name.
 */
export function selectLostLastAttempts(q: Queryable, limit: number): Promise<LostLastAttempt[]> {
  return run(q, lostLastAttemptsStatement(limit));
}

/**
 * Steps `enqueued` for longer than `olderThanSeconds` with no message of theirs left in the
 * outbox: their signal was lost outside the database (a broker dead-lettered it while the
 * database was away). Touches them (`updated_at`), so each is re-signalled at most once per
 * period, and returns them for the sweep to signal again. With the Postgres transport an
 * enqueued step always has its row in the outbox, so nothing is returned.
 */
export function touchStaleEnqueued(q: Queryable, olderThanSeconds: number, limit: number) {
  return run(q, staleEnqueuedStatement(olderThanSeconds, limit));
}

/**
 * The statement touchStaleEnqueued runs, with its parameters (exported for plan tests).
 *
 * No index finds a message by its step (one would cost every enqueue), so the outbox is read once
 * into a hash: NOT IN a subquery whose NULLs are filtered, which means NOT EXISTS. NOT EXISTS under
 * the LIMIT is planned as a nested loop that reads the outbox again for each old enqueued step,
 * and while a broker is away the two grow together. The planner hashes it while it expects the
 * outbox to fit in hash_mem (about 150,000 messages at the defaults); past that, an index on the
 * payload's step is the remedy.
 */
export function staleEnqueuedStatement(olderThanSeconds: number, limit: number): Statement<StepToSignal> {
  return {
    sql: `WITH stale AS (
       SELECT s.workflow_step_uuid FROM tasker.workflow_steps s
        WHERE s.state = 'enqueued' AND s.updated_at < now() - make_interval(secs => $1::float8)
          AND s.workflow_step_uuid::text NOT IN (SELECT m.message->>'step_uuid' FROM tasker.queue_messages m
                                                  WHERE m.message->>'step_uuid' IS NOT NULL)
        ORDER BY s.updated_at
        LIMIT $2
        FOR UPDATE OF s SKIP LOCKED
     )
     UPDATE tasker.workflow_steps s SET updated_at = now()
       FROM stale, tasker.tasks t
      WHERE s.workflow_step_uuid = stale.workflow_step_uuid AND t.task_uuid = s.task_uuid
     RETURNING s.workflow_step_uuid, s.task_uuid, t.namespace, t.correlation_id`,
    params: [olderThanSeconds, limit],
  };
}

/**
 * Tasks with a retry overdue by more than `overdueSeconds`: the delayed re-evaluation that should
 * have picked it up was lost outside the database. Evaluating a task twice is harmless.
 */
export function selectOverdueRetryTasks(q: Queryable, overdueSeconds: number, limit: number) {
  return run(q, overdueRetryTasksStatement(overdueSeconds, limit));
}

/** The statement selectOverdueRetryTasks runs, with its parameters (exported for plan tests). */
export function overdueRetryTasksStatement(
  overdueSeconds: number,
  limit: number,
): Statement<{ task_uuid: string; correlation_id: string }> {
  return {
    sql: `SELECT DISTINCT t.task_uuid, t.correlation_id
       FROM (SELECT task_uuid FROM tasker.workflow_steps
              WHERE state = 'waiting_for_retry' AND next_retry_at < now() - make_interval(secs => $1::float8)
              ORDER BY next_retry_at LIMIT $2) s
       JOIN tasker.tasks t ON t.task_uuid = s.task_uuid`,
    params: [overdueSeconds, limit],
  };
}

/** A failed attempt's step as deciding on it needs it (see failingStepsStatement). */
export interface FailingStepRow extends FailedStep {
  workflow_step_uuid: string;
  state: string;
  claimed_by: string | null;
  task_status: string;
  /** A batch instance's failure strategy (see lifecycle/batch-failures.ts), else null. */
  batch_strategy: string | null;
}

/**
 * The steps of failed attempts, with their claim, retry settings and task's status: what the retry
 * policy decides on. Read after the tasks' locks, so the task's status is the one the decision
 * is written under.
 */
export function failingStepsStatement(stepUuids: readonly string[]): Statement<FailingStepRow> {
  return {
    sql: `SELECT s.workflow_step_uuid, s.state, s.claimed_by, s.attempts, s.max_attempts, s.retryable, s.backoff,
                 s.backoff_base_ms, s.max_backoff_ms, t.status AS task_status,
                 s.initialization->'batch'->>'failure_strategy' AS batch_strategy
            FROM tasker.workflow_steps s JOIN tasker.tasks t ON t.task_uuid = s.task_uuid
           WHERE s.workflow_step_uuid = ANY($1::uuid[])`,
    params: [stepUuids],
  };
}

/**
 * The results of a step's dependencies (its every ancestor's), by name, as a claim statement reads
 * them (see CLAIMED_STEP_COLUMNS).
 */
export async function readDependencyResults(
  q: Queryable,
  stepUuid: string,
): Promise<Record<string, unknown>> {
  const [row] = await q.query<{ results: Record<string, unknown> }>(
    `SELECT coalesce((SELECT jsonb_object_agg(a.name, a.results) FROM ${ancestorRows("u", "a")}), '{}'::jsonb) AS results
       FROM tasker.workflow_steps u WHERE u.workflow_step_uuid = $1`,
    [stepUuid],
  );
  return row?.results ?? {};
}
