import { wakeQueueAfterCommit } from "../../queue/wake-after-commit.js";
import { STEP_TRANSITIONS } from "../../state/step-states.js";
import type { Database, Statement } from "../database.js";
import { eventPayloadsParam, notifyEach } from "./events.js";
import { builtPerShape, numberUsedParams, paramValues } from "./numbered-params.js";
import { stepSignalCte } from "./queue.js";
import { type NewStep, newStepColumns } from "./steps.js";
import type { NewTask } from "./tasks.js";

const NEW = newStepColumns("state text, claimed_by text, lease_seconds float8");

/** A new task as its creation leaves it: steps (roots already enqueued, edges as their child_uuids) and history. */
export interface TaskGraphWrite {
  /** The task in the state its creation plan ends in. */
  task: NewTask;
  /**
   * Steps in template order; `enqueued` ones are dispatched at once, an `in_progress` one is
   * claimed by the creation for `claimed_by` (a worker of the creating process), with no signal.
   */
  steps: readonly (NewStep & {
    state: "pending" | "enqueued" | "in_progress";
    /** Its parents (none is done yet). */
    unfinished_parents: number;
    claimed_by?: string;
    lease_seconds?: number;
  })[];
  /** The task's transitions from `pending` to `task.status`. */
  taskTransitions: readonly { from: string; to: string; event: string }[];
  /** The namespace queue the enqueued steps are signalled on. */
  queue: string;
  eventPayloads: readonly string[];
  /** created_at of the task and its steps (so the caller's copy of the rows is exact). */
  createdAt: Date;
  /** What the template version was when the caller chose it; checked by the statement. */
  template: TemplateGuard;
}

/**
 * The template a task is created from is chosen from this process's cache; the statement checks
 * that the choice still holds: the version's definition is the one cached (its content hash) and,
 * when it was chosen as the newest version, no version was added or removed since.
 */
export interface TemplateGuard {
  contentHash: string;
  /** Versions of the template name when the newest was chosen; null when a version was asked for. */
  versionCount: number | null;
}

/**
 * inserted; exists: the idempotency key is taken (nothing written); stale: the guard failed;
 * refused: the task would have made more unfinished tasks than the limit (nothing written).
 */
export type TaskGraphInsert = "inserted" | "exists" | "stale" | "refused";

const INSERT_TASK_GRAPH_PARAMS = [
  "taskUuid",
  "namespace",
  "name",
  "version",
  "status",
  "context",
  "initiator",
  "sourceSystem",
  "reason",
  "tags",
  "priority",
  "correlationId",
  "parentCorrelationId",
  "idempotencyKey",
  "requestHash",
  "steps",
  "enqueuedState",
  "taskTransitions",
  "queue",
  "eventPayloads",
  "createdAt",
  "contentHash",
  "versionCount",
  "claimState",
  "maxPending",
  "admissionSlots",
  "startSlot",
  "alone",
  "stepCount",
  "stepsRunning",
] as const;
type InsertTaskGraphParam = (typeof INSERT_TASK_GRAPH_PARAMS)[number];

/** Which optional parts a creation writes: the others are left out of its statement's text. */
interface TaskGraphShape {
  /** A root step enqueued (not claimed by the creation): its message. */
  signal: boolean;
  /** Its wake-up in the statement (PGlite) rather than after commit (PostgreSQL: see wakeQueueAfterCommit). */
  wake: boolean;
  events: boolean;
  /** Insert only when the unfinished tasks leave room (see insertWithinLimit). */
  admit: boolean;
}

// Built once per shape: the same string on every call (its prepared statement name is looked up by it).
const insertTaskGraphText = builtPerShape(
  (shape: TaskGraphShape) => `${+shape.signal}${+shape.wake}${+shape.events}${+shape.admit}`,
  (shape) =>
    numberUsedParams(
      INSERT_TASK_GRAPH_PARAMS,
      (p) => `WITH current AS (
       SELECT coalesce((SELECT content_hash = ${p.contentHash} FROM tasker.task_templates
                         WHERE namespace = ${p.namespace} AND name = ${p.name} AND version = ${p.version}), false)
          AND (${p.versionCount}::int IS NULL
               OR (SELECT count(*) FROM tasker.task_templates WHERE namespace = ${p.namespace} AND name = ${p.name}) = ${p.versionCount}) AS ok
     ${
       shape.admit
         ? `), admission AS (
       SELECT tasker.admit_task(${p.maxPending}::int, ${p.admissionSlots}::int, ${p.startSlot}::int, ${p.alone}::boolean) AS ok
     `
         : ""
     }), t AS (
       INSERT INTO tasker.tasks (task_uuid, namespace, name, version, status, context, initiator, source_system,
           reason, tags, priority, correlation_id, parent_correlation_id, idempotency_key, request_hash, created_at,
           updated_at, step_count, steps_running)
       SELECT ${p.taskUuid}::uuid, ${p.namespace}::text, ${p.name}::text, ${p.version}::text, ${p.status}::text, ${p.context}::jsonb, ${p.initiator}::text, ${p.sourceSystem}::text, ${p.reason}::text, ${p.tags}::jsonb,
              ${p.priority}::int, ${p.correlationId}::text, ${p.parentCorrelationId}::text, ${p.idempotencyKey}::text, ${p.requestHash}::text, ${p.createdAt}::timestamptz, ${p.createdAt}::timestamptz,
              ${p.stepCount}::int, ${p.stepsRunning}::int
        WHERE (SELECT ok FROM current)${shape.admit ? " AND (SELECT ok FROM admission)" : ""}
       ON CONFLICT (idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING
       RETURNING task_uuid
     ), st AS (
       INSERT INTO tasker.workflow_steps (${NEW.list}, state, attempts, claimed_by, claim_expires_at, last_attempted_at, created_at, updated_at)
       SELECT ${NEW.list}, state,
              CASE WHEN claimed_by IS NULL THEN 0 ELSE 1 END, claimed_by,
              CASE WHEN claimed_by IS NOT NULL THEN now() + make_interval(secs => lease_seconds) END,
              CASE WHEN claimed_by IS NOT NULL THEN ${p.createdAt}::timestamptz END, ${p.createdAt}, ${p.createdAt}
         FROM jsonb_to_recordset(${p.steps}::jsonb) AS ${NEW.record}
        WHERE EXISTS (SELECT 1 FROM t)
       RETURNING workflow_step_uuid, task_uuid, position, state, claimed_by
     ), st_tr AS (
       INSERT INTO tasker.workflow_step_transitions (workflow_step_uuid, task_uuid, from_state, to_state, event, metadata)
       SELECT st.workflow_step_uuid, ${p.taskUuid}, x.from_state, x.to_state, x.event, x.metadata
         FROM st CROSS JOIN LATERAL (VALUES
           (1, NULL::text, 'pending', 'create', '{}'::jsonb),
           (2, 'pending', ${p.enqueuedState}::text, 'enqueue', jsonb_build_object('by', 'orchestrator', 'attempt', 0)),
           (3, ${p.enqueuedState}::text, ${p.claimState}::text, 'claim',
            jsonb_build_object('worker_id', st.claimed_by, 'attempt', 1, 'took_over', false, 'at_creation', true))
         ) AS x(ord, from_state, to_state, event, metadata)
        WHERE x.ord = 1 OR (x.ord = 2 AND st.state <> 'pending') OR (x.ord = 3 AND st.claimed_by IS NOT NULL)
        ORDER BY x.ord, st.position
     ), task_tr AS (
       INSERT INTO tasker.task_transitions (task_uuid, from_state, to_state, event, metadata)
       SELECT ${p.taskUuid}, e->>'from', e->>'to', e->>'event', '{}'::jsonb
         FROM jsonb_array_elements(${p.taskTransitions}::jsonb) WITH ORDINALITY AS x(e, n)
        WHERE EXISTS (SELECT 1 FROM t)
        ORDER BY n
     )${shape.signal ? `, ${stepSignalCte({ from: "st", where: `st.state = ${p.enqueuedState}`, orderBy: "st.position", queue: p.queue, correlationId: `${p.correlationId}::text`, notify: shape.wake })}` : ""}${
       shape.events
         ? `, events AS (
       SELECT ${notifyEach(p.eventPayloads)}
        WHERE EXISTS (SELECT 1 FROM t)
     )`
         : ""
     }
     SELECT EXISTS (SELECT 1 FROM t) AS inserted, (SELECT ok FROM current) AS current,
            ${shape.admit ? "(SELECT ok FROM admission)" : "true"} AS admitted,
            ${shape.events ? "(SELECT n FROM events)" : "0"} AS notified`,
    ),
);

/**
 * Creates a task in one statement: the task row, its steps, both histories, the queue
 * messages of its root steps and the NOTIFY waking workers, on a PostgreSQL server just after the
 * commit (see wakeQueueAfterCommit; a root step claimed by the creation gets its claim and `claim`
 * transition instead of a message). The statement is atomic on its own. Nothing at all is written when the idempotency key is
 * already taken ("exists") or the template changed since the caller chose it ("stale").
 *
 * With `maxPendingTasks` (> 0), nothing is written either when the task would make more unfinished
 * tasks than that ("refused"), however many creations race, in this process or others: see
 * {@link insertWithinLimit}.
 */
export async function insertTaskGraph(
  db: Database,
  g: TaskGraphWrite,
  maxPendingTasks = 0,
): Promise<TaskGraphInsert> {
  const inserted =
    maxPendingTasks > 0
      ? await insertWithinLimit(db, g, maxPendingTasks)
      : outcome(await queryOne(db, insertStatement(db, g)));
  if (inserted === "inserted" && db.kind === "postgres" && g.steps.some(isSignalled)) {
    wakeQueueAfterCommit(db, g.queue);
  }
  return inserted;
}

const isSignalled = (s: TaskGraphWrite["steps"][number]) => s.state === STEP_TRANSITIONS.enqueue.to;

/**
 * How many creations may be admitted and insert at the same time on a server, each holding a slot
 * of the admission lock until it commits; also the margin they keep from the limit (see
 * tasker.admit_task, migration 009). Every process on one database must use the same number.
 */
export const ADMISSION_SLOTS = 16;

interface Admission {
  maxPending: number;
  slots: number;
  startSlot: number;
  alone: boolean;
}

/**
 * The limit holds under any concurrency, in this process or others: the creating statement first
 * admits the task (tasker.admit_task: take a slot of the admission lock, then count the unfinished
 * tasks) and inserts only when admitted. Far from the limit that is the one statement, and up to
 * ADMISSION_SLOTS creations run side by side; within ADMISSION_SLOTS of it, a second statement
 * holds every slot, alone, so that its count is exact: a refusal means the limit was reached.
 * PGlite runs one statement at a time: one slot, and the first count is exact.
 */
async function insertWithinLimit(
  db: Database,
  g: TaskGraphWrite,
  maxPending: number,
): Promise<TaskGraphInsert> {
  const slots = db.kind === "pglite" ? 1 : ADMISSION_SLOTS;
  const startSlot = Math.floor(Math.random() * slots);
  const first = await queryOne(db, insertStatement(db, g, { maxPending, slots, startSlot, alone: false }));
  if (first?.admitted || !first?.current || slots === 1) return outcome(first);
  return outcome(await queryOne(db, insertStatement(db, g, { maxPending, slots, startSlot, alone: true })));
}

async function queryOne(db: Database, statement: Statement<InsertAnswer>): Promise<InsertAnswer | undefined> {
  const [row] = await db.query<InsertAnswer>(statement.sql, statement.params);
  return row;
}

interface InsertAnswer {
  inserted: boolean;
  current: boolean;
  admitted: boolean;
}

function outcome(row: InsertAnswer | undefined): TaskGraphInsert {
  if (row?.inserted) return "inserted";
  if (!row?.current) return "stale";
  return row.admitted ? "exists" : "refused";
}

/** The creating statement; with `admission`, it inserts only when tasker.admit_task admits the task. */
function insertStatement(
  db: Pick<Database, "kind">,
  g: TaskGraphWrite,
  admission?: Admission,
): Statement<InsertAnswer> {
  const t = g.task;
  const created = STEP_TRANSITIONS.enqueue;
  const claim = STEP_TRANSITIONS.claim;
  const signal = g.steps.some(isSignalled);
  const shape: TaskGraphShape = {
    signal,
    wake: signal && db.kind === "pglite",
    events: g.eventPayloads.length > 0,
    admit: admission !== undefined,
  };
  const { sql, names } = insertTaskGraphText(shape);
  const values: Record<InsertTaskGraphParam, unknown> = {
    taskUuid: t.task_uuid,
    namespace: t.namespace,
    name: t.name,
    version: t.version,
    status: t.status,
    context: JSON.stringify(t.context),
    initiator: t.initiator,
    sourceSystem: t.source_system,
    reason: t.reason,
    tags: JSON.stringify(t.tags),
    priority: t.priority,
    correlationId: t.correlation_id,
    parentCorrelationId: t.parent_correlation_id,
    idempotencyKey: t.idempotency_key,
    requestHash: t.request_hash,
    steps: JSON.stringify(g.steps),
    enqueuedState: created.to,
    taskTransitions: JSON.stringify(g.taskTransitions),
    queue: g.queue,
    eventPayloads: eventPayloadsParam(g.eventPayloads),
    createdAt: g.createdAt,
    contentHash: g.template.contentHash,
    versionCount: g.template.versionCount,
    claimState: claim.to,
    maxPending: admission?.maxPending ?? null,
    admissionSlots: admission?.slots ?? null,
    startSlot: admission?.startSlot ?? null,
    alone: admission?.alone ?? null,
    stepCount: t.step_count,
    stepsRunning: t.steps_running,
  };
  return { sql, params: paramValues(names, values) };
}
