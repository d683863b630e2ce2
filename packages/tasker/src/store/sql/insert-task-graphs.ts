import { wakeQueueAfterCommit } from "../../queue/wake-after-commit.js";
import { STEP_TRANSITIONS } from "../../state/step-states.js";
import type { Database, Statement } from "../database.js";
import { eventPayloadsParam, notifyEach } from "./events.js";
import { ADMISSION_SLOTS, type TaskGraphWrite } from "./insert-task-graph.js";
import { builtPerShape, numberUsedParams, paramValues } from "./numbered-params.js";
import { stepSignalCte } from "./queue.js";
import { newStepColumns } from "./steps.js";

// A batch's tasks mostly share a few templates: what is the same for every task of a template (its
// guard, queue, step settings and states, the positions of each step's children, transitions) is
// sent once per template, each task naming it by index and sending only its own uuids (its steps'
// in position order), so the statement parses a fraction of the JSON it would otherwise.
const TEMPLATE_STEP = newStepColumns("tk int, state text, children int[]");
/** The step columns that differ from task to task: from the task's step uuids (`i.step_uuids`). */
const PER_STEP: Readonly<Record<string, string>> = {
  workflow_step_uuid: "i.step_uuids[c.position + 1]",
  task_uuid: "i.task_uuid",
  child_uuids: "ARRAY(SELECT i.step_uuids[k + 1] FROM unnest(c.children) AS k)",
};
// A column holding step or task uuids differs from task to task: taken from the template's first
// task it would be wrong, so a new one must be added to PER_STEP (and to batchParams' tasks).
for (const [, column] of TEMPLATE_STEP.record.matchAll(/(\w+) uuid(\[\])?[,)]/g)) {
  if (!(column! in PER_STEP)) throw new Error(`step column ${column} is not sent per step`);
}
const STEP_VALUES = TEMPLATE_STEP.list
  .split(",")
  .map((c) => c.trim())
  .map((c) => PER_STEP[c] ?? `c.${c}`)
  .join(", ");

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
  "templates",
  "tasks",
  "templateSteps",
  "transitionLists",
  "enqueuedState",
  "eventPayloads",
  "createdAt",
  "maxPending",
  "admissionSlots",
] as const;
type Param = (typeof PARAMS)[number];

interface Shape {
  signal: boolean;
  /** The wake-up in the statement (PGlite), not after commit (see wakeQueueAfterCommit). */
  wake: boolean;
  events: boolean;
  admit: boolean;
  /**
   * Some task has an idempotency key. Without one no key can be taken: the statement neither looks
   * for taken keys nor inserts speculatively (ON CONFLICT), which costs a WAL record per task.
   */
  keys: boolean;
}

// One string per shape: its prepared statement is found by it.
const insertTaskGraphsText = builtPerShape(
  (s: Shape) => `${+s.signal}${+s.wake}${+s.events}${+s.admit}${+s.keys}`,
  (shape) =>
    numberUsedParams(
      PARAMS,
      (p) => `WITH templates AS (
       SELECT * FROM jsonb_to_recordset(${p.templates}::jsonb) AS x(tk int, namespace text, name text, version text,
              content_hash text, version_count int, queue text)
     ), input AS (
       SELECT x.*, row_number() OVER () AS ord
         FROM jsonb_to_recordset(${p.tasks}::jsonb) AS x(tk int, task_uuid uuid, status text, context jsonb,
              initiator text, source_system text, reason text, tags jsonb, priority int, correlation_id text,
              parent_correlation_id text, idempotency_key text, request_hash text, step_count int, steps_running int,
              tr int, step_uuids uuid[])
     ), current AS (
       SELECT coalesce(bool_and(
                coalesce((SELECT tt.content_hash = c.content_hash FROM tasker.task_templates tt
                           WHERE tt.namespace = c.namespace AND tt.name = c.name AND tt.version = c.version), false)
                AND (c.version_count IS NULL
                     OR (SELECT count(*) FROM tasker.task_templates tt
                          WHERE tt.namespace = c.namespace AND tt.name = c.name) = c.version_count)), true) AS ok
         FROM templates c
     ), taken AS (${
       shape.keys
         ? `
       SELECT t.idempotency_key, t.task_uuid, t.request_hash, t.request_hash IS DISTINCT FROM i.request_hash AS differs
         FROM input i JOIN tasker.tasks t ON t.idempotency_key = i.idempotency_key`
         : `
       SELECT NULL::text AS idempotency_key, NULL::uuid AS task_uuid, NULL::text AS request_hash, false AS differs
        WHERE false`
     }
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
       SELECT i.task_uuid, tp.namespace, tp.name, tp.version, i.status, i.context, i.initiator, i.source_system,
              i.reason, i.tags, i.priority, i.correlation_id, i.parent_correlation_id, i.idempotency_key,
              i.request_hash, ${p.createdAt}::timestamptz, ${p.createdAt}::timestamptz, i.step_count, i.steps_running
         FROM input i JOIN templates tp USING (tk)
        WHERE (SELECT ok FROM current) AND NOT EXISTS (SELECT 1 FROM taken WHERE differs)
          AND (i.idempotency_key IS NULL OR i.idempotency_key NOT IN (SELECT idempotency_key FROM taken))
          ${shape.admit ? "AND (SELECT ok FROM admission)" : ""}
        ORDER BY i.ord
       ${shape.keys ? "ON CONFLICT (idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING" : ""}
       RETURNING task_uuid
     ), st AS (
       INSERT INTO tasker.workflow_steps (${TEMPLATE_STEP.list}, state, created_at, updated_at)
       SELECT ${STEP_VALUES}, c.state, ${p.createdAt}, ${p.createdAt}
         FROM input i
         JOIN (SELECT * FROM jsonb_to_recordset(${p.templateSteps}::jsonb) AS ${TEMPLATE_STEP.record}) c USING (tk)
        WHERE i.task_uuid IN (SELECT task_uuid FROM t)
       RETURNING workflow_step_uuid, task_uuid, position, state
     ), st_tr AS (
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
       SELECT i.task_uuid, x.transition->>'from', x.transition->>'to', x.transition->>'event', '{}'::jsonb
         FROM input i
         JOIN (SELECT l.tr - 1 AS tr, e.transition, e.n
                 FROM jsonb_array_elements(${p.transitionLists}::jsonb) WITH ORDINALITY AS l(list, tr)
                CROSS JOIN LATERAL jsonb_array_elements(l.list) WITH ORDINALITY AS e(transition, n)
              ) x ON x.tr = i.tr
        WHERE i.task_uuid IN (SELECT task_uuid FROM t)
        ORDER BY i.ord, x.n
     )${
       shape.signal
         ? `, ${stepSignalCte({
             from: "st JOIN input i USING (task_uuid) JOIN templates tp USING (tk)",
             where: `st.state = ${p.enqueuedState}`,
             orderBy: "i.ord, st.position",
             queue: "tp.queue",
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
 * Creates many tasks in one statement: their rows, steps, both histories and the queue
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

/**
 * The JSON parameters of a batch: each distinct template (its guard and queue) once, with the
 * settings, states and children of its steps (`templateSteps`, children as positions) and each
 * distinct list of task transitions once; per task only what differs, its steps' uuids included,
 * naming the rest by index. Every task of a template starts its steps in the same states (a batch
 * claims nothing), so they are the template's.
 */
export function batchParams(graphs: readonly TaskGraphWrite[]) {
  const templates: object[] = [];
  const templateSteps: object[] = [];
  const known = new Map<string, BatchTemplate>();
  // The tasks of one choice of a template share its guard, and of one plan their transitions: found
  // by identity first, without making a key per task.
  const byGuard = new Map<TaskGraphWrite["template"], BatchTemplate>();
  const transitionLists: (readonly object[])[] = [];
  const listIndex = new Map<string, number>();
  const listByIdentity = new Map<readonly object[], number>();
  const tasks: object[] = [];
  for (const g of graphs) {
    const t = g.task;
    let template = byGuard.get(g.template);
    if (template === undefined || !template.holds(t)) {
      const key = `${t.namespace}\n${t.name}\n${t.version}\n${g.template.contentHash}\n${g.template.versionCount}`;
      template = known.get(key);
      if (template === undefined) {
        template = batchTemplate(templates.length, g);
        known.set(key, template);
        templates.push({
          tk: template.tk,
          namespace: t.namespace,
          name: t.name,
          version: t.version,
          content_hash: g.template.contentHash,
          version_count: g.template.versionCount,
          queue: g.queue,
        });
        const positionOf = new Map(g.steps.map((s) => [s.workflow_step_uuid, s.position]));
        for (const { workflow_step_uuid: _, task_uuid: _t, child_uuids, ...settings } of g.steps) {
          const children = child_uuids.map((u) => positionOf.get(u));
          templateSteps.push({ ...settings, tk: template.tk, children });
        }
      }
      byGuard.set(g.template, template);
    }
    let tr = listByIdentity.get(g.taskTransitions);
    if (tr === undefined) {
      const transitions = g.taskTransitions.map((x) => `${x.from}>${x.to}>${x.event}`).join(",");
      tr = listIndex.get(transitions);
      if (tr === undefined) {
        tr = transitionLists.length;
        listIndex.set(transitions, tr);
        transitionLists.push(g.taskTransitions);
      }
      listByIdentity.set(g.taskTransitions, tr);
    }
    const stepUuids: string[] = new Array(g.steps.length);
    for (const s of g.steps) {
      if (s.state !== template.states[s.position]) {
        throw new Error(`task ${t.task_uuid}: step ${s.name} starts ${s.state}, not as its template's`);
      }
      stepUuids[s.position] = s.workflow_step_uuid;
    }
    tasks.push({
      tk: template.tk,
      task_uuid: t.task_uuid,
      status: t.status,
      context: t.context,
      initiator: t.initiator,
      source_system: t.source_system,
      reason: t.reason,
      tags: t.tags,
      priority: t.priority,
      correlation_id: t.correlation_id,
      parent_correlation_id: t.parent_correlation_id,
      idempotency_key: t.idempotency_key,
      request_hash: t.request_hash,
      step_count: t.step_count,
      steps_running: t.steps_running,
      tr,
      step_uuids: stepUuids,
    });
  }
  return {
    templates: JSON.stringify(templates),
    tasks: JSON.stringify(tasks),
    templateSteps: JSON.stringify(templateSteps),
    transitionLists: JSON.stringify(transitionLists),
  };
}

/** A template of a batch: its index, its steps' states by position, whether a task is of it. */
interface BatchTemplate {
  tk: number;
  states: readonly string[];
  holds(task: TaskGraphWrite["task"]): boolean;
}

function batchTemplate(tk: number, first: TaskGraphWrite): BatchTemplate {
  const { namespace, name, version } = first.task;
  const states: string[] = new Array(first.steps.length);
  for (const s of first.steps) states[s.position] = s.state;
  return {
    tk,
    states,
    holds: (t) => t.namespace === namespace && t.name === name && t.version === version,
  };
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
    signal,
    wake: signal && db.kind === "pglite",
    events: events.length > 0,
    admit: maxPendingTasks > 0,
    keys: graphs.some((g) => g.task.idempotency_key !== null),
  };
  const { sql, names } = insertTaskGraphsText(shape);
  const values: Record<Param, unknown> = {
    ...batchParams(graphs),
    enqueuedState: STEP_TRANSITIONS.enqueue.to,
    eventPayloads: eventPayloadsParam(events),
    createdAt: graphs[0]?.createdAt ?? new Date(),
    maxPending: maxPendingTasks - graphs.length + 1,
    admissionSlots: db.kind === "pglite" ? 1 : ADMISSION_SLOTS,
  };
  return { sql, params: paramValues(names, values) };
}
