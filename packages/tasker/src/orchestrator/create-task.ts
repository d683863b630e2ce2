import { createHash, randomUUID } from "node:crypto";
import { eventPayloads } from "../events/lifecycle-events.js";
import { positionRanges } from "../lifecycle/ancestor-positions.js";
import { type PlannedEvaluation, planEvaluation } from "../lifecycle/evaluate-task.js";
import { jsonbCopy } from "../lifecycle/handed-on.js";
import { newStepOf } from "../lifecycle/new-step.js";
import { TaskerError } from "../model/errors.js";
import type { ParsedTaskRequest } from "../model/task-request.js";
import { uuidv7 } from "../model/uuid-v7.js";
import { namespaceQueue } from "../queue/queue-names.js";
import type { Database, Queryable } from "../store/database.js";
import { insertTaskGraph, type TaskGraphWrite } from "../store/sql/insert-task-graph.js";
import { type ClaimedStep, type NewStep, newStepRow, type StepRow } from "../store/sql/steps.js";
import { selectTaskByIdempotencyKey, type TaskRow } from "../store/sql/tasks.js";
import type { TemplateChoice } from "../store/template-store.js";
import { ancestorsOf, topologicalOrder } from "../template/dag.js";
import type { TaskTemplate } from "../template/schema.js";
import { initialTemplateSteps } from "../template/step-creation.js";

export interface CreatedTask {
  taskUuid: string;
  created: boolean;
  /** The rows as this call wrote them (absent when an existing task was returned). */
  rows?: { task: TaskRow; steps: StepRow[] };
  /** The step the creation claimed for `claimFor`'s worker, to run once the creation committed. */
  claimed?: ClaimedAtCreation;
}

/**
 * A worker of the creating process with a free slot: the creation claims the first ready step it
 * can run for it (`enqueued -> in_progress` in the same statement, no queue message), so the step
 * starts without a read of the queue, like a step a worker claims as it stores its predecessor.
 * A worker that dies before storing it loses the claim when the lease ends (the lost-claim sweep
 * signals the step again).
 */
export interface CreationClaim {
  workerId: string;
  leaseSeconds: number;
  canRun(handlerCallable: string): boolean;
}

/** A free slot of a worker in this process, held while a task is created (see Worker.reserveSlot). */
export interface WorkerSlot extends CreationClaim {
  /** Runs the step the creation claimed, in this slot, and frees the slot when it is done. */
  run(claimed: ClaimedAtCreation): void;
  /** Nothing was claimed: frees the slot. */
  release(): void;
}

/** A step claimed by its task's creation. */
export type ClaimedAtCreation = ClaimedStep;

/** The template changed since it was chosen (see TemplateGuard): nothing was written. */
export const STALE_TEMPLATE = "stale_template";

/**
 * Materialises a task from one template version - steps, edges, their settings - and dispatches
 * its root steps, in one statement (see insertTaskGraph): the plan of a new task is known
 * without reading anything back. The task is bound to this version for life. With
 * `maxPendingTasks` (> 0) it is refused (BACKPRESSURE) when it would make more unfinished tasks
 * than that, counted in the creating statement (exact under concurrency: see insertTaskGraph).
 */
export async function createTaskFromTemplate(
  db: Database,
  choice: TemplateChoice,
  request: ParsedTaskRequest,
  now = new Date(),
  claimFor?: CreationClaim,
  maxPendingTasks = 0,
): Promise<CreatedTask | typeof STALE_TEMPLATE> {
  const { graph, task, stepRows, claimed, requestHash } = planNewTask(choice, request, now, claimFor);
  const inserted = await insertTaskGraph(db, graph, maxPendingTasks);
  if (inserted === "stale") return STALE_TEMPLATE;
  if (inserted === "refused") throw backpressure(maxPendingTasks);
  if (inserted === "exists") return existingForKey(db, request.idempotency_key!, requestHash!);
  const created: CreatedTask = { taskUuid: task.task_uuid, created: true, rows: { task, steps: stepRows } };
  if (claimed) created.claimed = claimedAtCreation(task, claimed);
  return created;
}

/** A new task as its creation writes it: the write, the rows as written, the step it claims. */
export interface PlannedTask {
  graph: TaskGraphWrite;
  task: TaskRow;
  stepRows: StepRow[];
  claimed: StepRow | undefined;
  /** null without an idempotency key. */
  requestHash: string | null;
}

/**
 * The rows of a new task from one template version - steps, edges, their settings - with its root
 * steps dispatched (or the first one claimed for `claimFor`): the plan of a new task is known
 * without reading anything.
 */
export function planNewTask(
  { template, guard }: TemplateChoice,
  request: ParsedTaskRequest,
  now: Date,
  claimFor?: CreationClaim,
): PlannedTask {
  // Compared only when a request with the same idempotency key comes again: none without a key.
  const requestHash = request.idempotency_key ? hashRequest(request, template.version) : null;
  const templateGraph = graphOf(template.steps);
  const taskUuid = uuidv7();
  const task: TaskRow = {
    task_uuid: taskUuid,
    namespace: template.namespace_name,
    name: template.name,
    version: template.version,
    status: "pending",
    context: request.context,
    initiator: request.initiator ?? null,
    source_system: request.source_system ?? null,
    reason: request.reason ?? null,
    tags: request.tags,
    priority: request.priority,
    correlation_id: request.correlation_id ?? randomUUID(),
    parent_correlation_id: request.parent_correlation_id ?? null,
    idempotency_key: request.idempotency_key ?? null,
    request_hash: requestHash,
    error: null,
    step_count: templateGraph.ordered.length,
    steps_done: 0,
    steps_failed: 0,
    steps_waiting: 0,
    steps_running: 0,
    created_at: now,
    updated_at: now,
    completed_at: null,
  };

  const { ordered, ancestors, parents, children } = templateGraph;
  const uuids = ordered.map(() => uuidv7());
  const steps: NewStep[] = ordered.map((s, position) =>
    newStepOf(s, {
      workflow_step_uuid: uuids[position]!,
      task_uuid: taskUuid,
      position,
      ancestor_positions: ancestors[position]!,
      child_uuids: children[position]!.map((k) => uuids[k]!),
    }),
  );
  const stepRows = steps.map((s, position) => newStepRow(s, parents[position]!.length, now));
  const start = templateGraph.start ?? startOf(templateGraph, task, stepRows, now);
  for (const position of start.ready) stepRows[position]!.state = "enqueued";
  task.status = start.transitions.at(-1)?.to ?? task.status;
  task.steps_running = start.ready.length;
  const claimed =
    claimFor && stepRows.find((s) => s.state === "enqueued" && claimFor.canRun(s.handler_callable));
  if (claimed && claimFor) {
    claimed.state = "in_progress";
    claimed.attempts = 1;
    claimed.claimed_by = claimFor.workerId;
    claimed.claim_expires_at = new Date(now.getTime() + claimFor.leaseSeconds * 1000);
    claimed.last_attempted_at = now;
  }
  const graph: TaskGraphWrite = {
    task,
    // Object.assign, not a spread adding keys the step lacks: cheaper on Node 20 (bench/LOG.md, 2026-12-05).
    steps: stepRows.map((s, i) =>
      Object.assign(
        {},
        steps[i]!,
        {
          state: s.state as "pending" | "enqueued" | "in_progress",
          unfinished_parents: s.unfinished_parents,
        },
        s === claimed && claimFor
          ? { claimed_by: claimFor.workerId, lease_seconds: claimFor.leaseSeconds }
          : {},
      ),
    ),
    taskTransitions: start.transitions,
    queue: namespaceQueue(task.namespace),
    eventPayloads: eventPayloads(start.events),
    createdAt: now,
    template: guard,
  };
  return { graph, task, stepRows, claimed: claimed || undefined, requestHash };
}

/**
 * The step the creation claimed, as a claim statement returns it (see ClaimedStep): a root, so no
 * dependency results. Its initialization and the context are copies as a read gives them (JSON, in
 * jsonb key order): the handler may change them, and the creation's answer is made from the rows.
 */
function claimedAtCreation(task: TaskRow, step: StepRow): ClaimedStep {
  return {
    workflow_step_uuid: step.workflow_step_uuid,
    task_uuid: task.task_uuid,
    name: step.name,
    handler_callable: step.handler_callable,
    initialization: jsonbCopy(step.initialization) as Record<string, unknown>,
    attempts: step.attempts,
    max_attempts: step.max_attempts,
    timeout_seconds: step.timeout_seconds,
    child_count: step.child_uuids.length,
    task_name: task.name,
    namespace: task.namespace,
    version: task.version,
    correlation_id: task.correlation_id,
    context: jsonbCopy(task.context) as Record<string, unknown>,
    dependency_results: {},
  };
}

export function backpressure(maxPendingTasks: number): TaskerError {
  return new TaskerError(
    "BACKPRESSURE",
    `the engine has ${maxPendingTasks} or more unfinished tasks; retry after the Retry-After delay`,
    { max_pending_tasks: maxPendingTasks },
    2,
  );
}

async function existingForKey(tx: Queryable, key: string, requestHash: string): Promise<CreatedTask> {
  const existing: TaskRow | undefined = await selectTaskByIdempotencyKey(tx, key);
  if (!existing) {
    throw new TaskerError(
      "SERVICE_UNAVAILABLE",
      "idempotency key is being created concurrently; retry",
      undefined,
      1,
    );
  }
  if (existing.request_hash !== requestHash) {
    throw new TaskerError(
      "CONFLICT",
      `idempotency_key "${key}" was already used for a different request (task ${existing.task_uuid}); use a new key or send the same payload`,
      { idempotency_key: key, existing_task_uuid: existing.task_uuid },
    );
  }
  return { taskUuid: existing.task_uuid, created: false };
}

type TemplateStep = TaskTemplate["steps"][number];

/**
 * A template's initial steps (see initialTemplateSteps) in topological order, with each one's
 * parents (in the order it names them) and children (in that order) as positions in it, and its
 * ancestors' positions as an int4multirange literal: the same for every task of the template, so
 * made once per loaded template.
 */
interface TemplateGraph {
  ordered: TemplateStep[];
  ancestors: string[];
  parents: number[][];
  children: number[][];
  /** How every new task of the template starts (see startOf); absent until one was planned. */
  start?: TaskStart;
}

/** A new task's first plan: its ready steps (positions), its transitions and lifecycle events. */
interface TaskStart {
  ready: number[];
  transitions: PlannedEvaluation["plan"]["transitions"];
  events: PlannedEvaluation["events"];
}

/**
 * A new task's first plan. Every new task of a template plans the same (all its steps pending,
 * its template's parents and attempts), so the plan is kept with the template's graph and later
 * tasks skip planning, unless it names the task (a lifecycle event: a task with no initial step
 * completes at once).
 */
function startOf(graph: TemplateGraph, task: TaskRow, stepRows: readonly StepRow[], now: Date): TaskStart {
  const { plan, events } = planEvaluation(task, stepRows, now);
  const ready = new Set(plan.ready.map((s) => s.uuid));
  const start: TaskStart = {
    ready: stepRows.flatMap((s, position) => (ready.has(s.workflow_step_uuid) ? [position] : [])),
    transitions: plan.transitions,
    events,
  };
  if (events.length === 0) graph.start = start;
  return start;
}
const graphs = new WeakMap<readonly TemplateStep[], TemplateGraph>();

function graphOf(steps: readonly TemplateStep[]): TemplateGraph {
  let graph = graphs.get(steps);
  if (!graph) {
    // Steps behind decisions and batchable steps are created by their outcomes, not now.
    const initial = initialTemplateSteps(steps);
    const ordered = topologicalOrder(initial);
    const position = new Map(ordered.map((s, i) => [s.name, i]));
    // Ordering edges (a convergence step waiting for a creator) do not make ancestors.
    const ancestorsByName = ancestorsOf(initialTemplateSteps(steps, { orderEdges: false }));
    const parents = ordered.map((s) => s.dependencies.map((d) => position.get(d)!));
    const children = ordered.map(() => [] as number[]);
    parents.forEach((of, child) => {
      for (const parent of of) children[parent]!.push(child);
    });
    graph = {
      ordered,
      ancestors: ordered.map((s) =>
        positionRanges([...(ancestorsByName.get(s.name) ?? [])].map((n) => position.get(n)!)),
      ),
      parents,
      children,
    };
    graphs.set(steps, graph);
  }
  return graph;
}

/** Identity of a request for idempotency: everything that shapes the task. */
export function hashRequest(r: ParsedTaskRequest, resolvedVersion: string): string {
  const identity = {
    name: r.name,
    namespace: r.namespace,
    version: resolvedVersion,
    context: r.context,
    initiator: r.initiator ?? null,
    source_system: r.source_system ?? null,
    reason: r.reason ?? null,
    tags: r.tags,
    priority: r.priority,
    correlation_id: r.correlation_id ?? null,
    parent_correlation_id: r.parent_correlation_id ?? null,
  };
  return createHash("sha256").update(stableStringify(identity)).digest("hex");
}

/**
 * JSON with object keys sorted, so equal payloads hash equally whatever their key order. Follows
 * JSON.stringify otherwise (toJSON, e.g. Date -> ISO string; undefined fields dropped), so two
 * requests hash equally exactly when the context the database stores is equal.
 */
export function stableStringify(value: unknown): string {
  return writeSorted(toJsonValue(value));
}

function writeSorted(v: unknown): string {
  if (v === undefined) return "null";
  if (Array.isArray(v)) return `[${v.map((x) => writeSorted(toJsonValue(x))).join(",")}]`;
  if (v !== null && typeof v === "object") {
    const o = v as Record<string, unknown>;
    const fields = Object.keys(o)
      .sort()
      .flatMap((k) => {
        const x = toJsonValue(o[k]);
        return x === undefined ? [] : [`${JSON.stringify(k)}:${writeSorted(x)}`];
      });
    return `{${fields.join(",")}}`;
  }
  return JSON.stringify(v);
}

/** What JSON.stringify would write for a value: its toJSON(), or undefined when it is left out. */
function toJsonValue(value: unknown): unknown {
  const withToJson = value as { toJSON?: unknown } | null | undefined;
  const v =
    typeof withToJson?.toJSON === "function" ? (withToJson.toJSON as () => unknown).call(value) : value;
  return typeof v === "function" || typeof v === "symbol" ? undefined : v;
}
