import { wakeQueueAfterCommit } from "../../queue/wake-after-commit.js";
import { STEP_TRANSITIONS } from "../../state/step-states.js";
import type { Database, Statement } from "../database.js";
import { eventPayloadsParam, notifyEach } from "./events.js";
import { ADMISSION_SLOTS, type TaskGraphWrite } from "./insert-task-graph.js";
import { builtPerShape, numberUsedParams, paramValues } from "./numbered-params.js";
import { stepSignalCte } from "./queue.js";
import { newStepColumns } from "./steps.js";

const NEW = newStepColumns("state text");

/** A task already holding an idempotency key the batch asks for. */
export interface TakenKey {
  idempotency_key: string;
  task_uuid: string;
  request_hash: string | null;
}

/**
 * inserted: every task without a taken key was written; `taken` lists the keys that exist with
 * the same request (nothing written for those). conflict: a key exists for a different request
 * (nothing written at all; `taken` has it). stale: a template changed since it was chosen;
 * refused: the batch would make more unfinished tasks than the limit (nothing written).
 */
export type TaskGraphsInsert =
  | { outcome: "inserted"; inserted: Set<string>; taken: TakenKey[] }
  | { outcome: "conflict"; taken: TakenKey[] }
  | { outcome: "stale" }
  | { outcome: "refused" };

const PARAMS = [
  "tasks",
  "steps",
  "edgeTask",
  "edgeFrom",
  "edgeTo",
  "taskTransitions",
  "enqueuedState",
  "eventPayloads",
  "createdAt",
  "maxPending",
  "admissionSlots",
] as const;
type Param = (typeof PARAMS)[number];

interface Shape {
  edges: boolean;
  signal: boolean;
  /** The wake-up in the statement (PGlite), not after commit (see wakeQueueAfterCommit). */
  wake: boolean;
  events: boolean;
  admit: boolean;
}

// One string per shape: its prepared statement is found by it.
const insertTaskGraphsText = builtPerShape(
  (s: Shape) => `${+s.edges}${+s.signal}${+s.wake}${+s.events}${+s.admit}`,
  (shape) =>
    numberUsedParams(
      PARAMS,
      (p) => `WITH input AS (
       SELECT * FROM jsonb_to_recordset(${p.tasks}::jsonb) AS x(ord int, task_uuid uuid, namespace text, name text,
              version text, status text, context jsonb, initiator text, source_system text, reason text, tags jsonb,
              priority int, correlation_id text, parent_correlation_id text, idempotency_key text, request_hash text,
              step_count int, steps_running int, content_hash text, version_count int, queue text)
     ), current AS (
       SELECT coalesce(bool_and(
                coalesce((SELECT tt.content_hash = c.content_hash FROM tasker.task_templates tt
                           WHERE tt.namespace = c.namespace AND tt.name = c.name AND tt.version = c.version), false)
                AND (c.version_count IS NULL
                     OR (SELECT count(*) FROM tasker.task_templates tt
                          WHERE tt.namespace = c.namespace AND tt.name = c.name) = c.version_count)), true) AS ok
         FROM (SELECT DISTINCT namespace, name, version, content_hash, version_count FROM input) c
     ), taken AS (
       SELECT t.idempotency_key, t.task_uuid, t.request_hash, t.request_hash IS DISTINCT FROM i.request_hash AS differs
         FROM input i JOIN tasker.tasks t ON t.idempotency_key = i.idempotency_key
     ${
       shape.admit
         ? `), admission AS (
       SELECT tasker.admit_task(${p.maxPending}::int, ${p.admissionSlots}::int, 0, true) AS ok
     `
         : ""
     }), t AS (
       INSERT INTO tasker.tasks (task_uuid, namespace, name, version, status, context, initiator, source_system,
           reason, tags, priority, correlation_id, parent_correlation_id, idempotency_key, request_hash, created_at,
           updated_at, step_count, steps_running)
       SELECT task_uuid, namespace, name, version, status, context, initiator, source_system, reason, tags, priority,
              correlation_id, parent_correlation_id, idempotency_key, request_hash, ${p.createdAt}::timestamptz,
              ${p.createdAt}::timestamptz, step_count, steps_running
         FROM input
        WHERE (SELECT ok FROM current) AND NOT EXISTS (SELECT 1 FROM taken WHERE differs)
          AND (idempotency_key IS NULL OR idempotency_key NOT IN (SELECT idempotency_key FROM taken))
          ${shape.admit ? "AND (SELECT ok FROM admission)" : ""}
        ORDER BY ord
       ON CONFLICT (idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING
       RETURNING task_uuid
     ), st AS (
       INSERT INTO tasker.workflow_steps (${NEW.list}, state, created_at, updated_at)
       SELECT ${NEW.list},
              state, ${p.createdAt}, ${p.createdAt}
         FROM jsonb_to_recordset(${p.steps}::jsonb) AS ${NEW.record}
        WHERE task_uuid IN (SELECT task_uuid FROM t)
       RETURNING workflow_step_uuid, task_uuid, position, state
     ${
       shape.edges
         ? `), ed AS (
       INSERT INTO tasker.workflow_step_edges (task_uuid, from_step_uuid, to_step_uuid)
       SELECT task_uuid, from_uuid, to_uuid
         FROM unnest(${p.edgeTask}::uuid[], ${p.edgeFrom}::uuid[], ${p.edgeTo}::uuid[]) AS e(task_uuid, from_uuid, to_uuid)
        WHERE task_uuid IN (SELECT task_uuid FROM t)
     `
         : ""
     }), st_tr AS (
       INSERT INTO tasker.workflow_step_transitions (workflow_step_uuid, task_uuid, from_state, to_state, event, metadata)
       SELECT st.workflow_step_uuid, st.task_uuid, x.from_state, x.to_state, x.event, x.metadata
         FROM st CROSS JOIN LATERAL (VALUES
           (1, NULL::text, 'pending', 'create', '{}'::jsonb),
           (2, 'pending', ${p.enqueuedState}::text, 'enqueue', jsonb_build_object('by', 'orchestrator', 'attempt', 0))
         ) AS x(ord, from_state, to_state, event, metadata)
        WHERE x.ord = 1 OR st.state <> 'pending'
        ORDER BY x.ord, st.task_uuid, st.position
     ), task_tr AS (
       INSERT INTO tasker.task_transitions (task_uuid, from_state, to_state, event, metadata)
       SELECT x.task_uuid, x."from", x."to", x.event, '{}'::jsonb
         FROM jsonb_to_recordset(${p.taskTransitions}::jsonb) AS x(task_uuid uuid, "from" text, "to" text, event text, n int)
        WHERE x.task_uuid IN (SELECT task_uuid FROM t)
        ORDER BY x.n
     )${
       shape.signal
         ? `, ${stepSignalCte({
             from: "st JOIN input i USING (task_uuid)",
             where: `st.state = ${p.enqueuedState}`,
             orderBy: "i.ord, st.position",
             queue: "i.queue",
             correlationId: "i.correlation_id",
             notify: shape.wake,
           })}`
         : ""
     }${
       shape.events
         ? `, events AS (
       SELECT ${notifyEach(p.eventPayloads)}
        WHERE EXISTS (SELECT 1 FROM t)
     )`
         : ""
     }
     SELECT (SELECT ok FROM current) AS current,
            ${shape.admit ? "(SELECT ok FROM admission)" : "true"} AS admitted,
            (SELECT coalesce(array_agg(task_uuid::text), '{}') FROM t) AS inserted,
            (SELECT coalesce(json_agg(json_build_object('idempotency_key', idempotency_key, 'task_uuid', task_uuid,
                                                        'request_hash', request_hash, 'differs', differs)), '[]')
               FROM taken) AS taken
            ${shape.events ? ", (SELECT n FROM events) AS notified" : ""}`,
    ),
);

interface Answer {
  current: boolean;
  admitted: boolean;
  inserted: string[];
  taken: (TakenKey & { differs: boolean })[];
}

/**
 * Creates many tasks in one statement: their rows, steps, edges, both histories and the queue
 * messages of their root steps (woken as insertTaskGraph does), all or none. Nothing is written
 * when a template changed since it was chosen, when an idempotency key is taken by a different
 * request, or (with `maxPendingTasks` > 0) when the batch would make more unfinished tasks than
 * that: the statement then admits it alone, holding every admission slot (see insertWithinLimit).
 * A task whose key is taken by the same request is left out, the others written. The graphs claim
 * nothing at creation, and no two of them may share an idempotency key.
 */
export async function insertTaskGraphs(
  db: Database,
  graphs: readonly TaskGraphWrite[],
  maxPendingTasks = 0,
): Promise<TaskGraphsInsert> {
  if (maxPendingTasks > 0 && graphs.length > maxPendingTasks) return { outcome: "refused" };
  const statement = insertStatement(db, graphs, maxPendingTasks);
  const [row] = await db.query<Answer>(statement.sql, statement.params);
  if (!row?.current) return { outcome: "stale" };
  if (!row.admitted) return { outcome: "refused" };
  const taken = row.taken.map(({ differs: _, ...key }) => key);
  if (row.taken.some((k) => k.differs)) return { outcome: "conflict", taken };
  const inserted = new Set(row.inserted);
  if (db.kind === "postgres") {
    const queues = new Set(
      graphs.filter((g) => inserted.has(g.task.task_uuid) && isSignalled(g)).map((g) => g.queue),
    );
    for (const queue of queues) wakeQueueAfterCommit(db, queue);
  }
  return { outcome: "inserted", inserted, taken };
}

/** Every task's transitions, numbered in the order they are written. */
function taskTransitions(graphs: readonly TaskGraphWrite[]) {
  let n = 0;
  return graphs.flatMap((g) => g.taskTransitions.map((t) => ({ ...t, task_uuid: g.task.task_uuid, n: n++ })));
}

const isSignalled = (g: TaskGraphWrite) => g.steps.some((s) => s.state === STEP_TRANSITIONS.enqueue.to);

function insertStatement(
  db: Pick<Database, "kind">,
  graphs: readonly TaskGraphWrite[],
  maxPendingTasks: number,
): Statement<Answer> {
  const signal = graphs.some(isSignalled);
  const events = graphs.flatMap((g) => g.eventPayloads);
  const shape: Shape = {
    edges: graphs.some((g) => g.edges.length > 0),
    signal,
    wake: signal && db.kind === "pglite",
    events: events.length > 0,
    admit: maxPendingTasks > 0,
  };
  const { sql, names } = insertTaskGraphsText(shape);
  const edgeTask: string[] = [];
  const edgeFrom: string[] = [];
  const edgeTo: string[] = [];
  for (const g of graphs) {
    for (const e of g.edges) {
      edgeTask.push(g.task.task_uuid);
      edgeFrom.push(e.from);
      edgeTo.push(e.to);
    }
  }
  const values: Record<Param, unknown> = {
    tasks: JSON.stringify(
      graphs.map((g, ord) => ({
        ...g.task,
        ord,
        content_hash: g.template.contentHash,
        version_count: g.template.versionCount,
        queue: g.queue,
      })),
    ),
    steps: JSON.stringify(graphs.flatMap((g) => g.steps)),
    edgeTask,
    edgeFrom,
    edgeTo,
    taskTransitions: JSON.stringify(taskTransitions(graphs)),
    enqueuedState: STEP_TRANSITIONS.enqueue.to,
    eventPayloads: eventPayloadsParam(events),
    createdAt: graphs[0]?.createdAt ?? new Date(),
    maxPending: maxPendingTasks - graphs.length + 1,
    admissionSlots: db.kind === "pglite" ? 1 : ADMISSION_SLOTS,
  };
  return { sql, params: paramValues(names, values) };
}
