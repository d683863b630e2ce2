import { createHash, randomUUID } from "node:crypto";
import { eventPayloads } from "../events/lifecycle-events.js";
import { TaskerError } from "../model/errors.js";
import type { ParsedTaskRequest } from "../model/task-request.js";
import { namespaceQueue } from "../queue/queue-names.js";
import type { Queryable } from "../store/database.js";
import { insertTaskGraph } from "../store/sql/insert-task-graph.js";
import { type NewStep, newStepRow, type StepRow } from "../store/sql/steps.js";
import { selectTaskByIdempotencyKey, type TaskRow } from "../store/sql/tasks.js";
import type { TemplateChoice } from "../store/template-store.js";
import { ancestorsOf, topologicalOrder } from "../template/dag.js";
import { planEvaluation } from "./evaluate-task.js";
import { uuidv7 } from "./uuidv7.js";

export interface CreatedTask {
  taskUuid: string;
  created: boolean;
  /** The rows as this call wrote them (absent when an existing task was returned). */
  rows?: { task: TaskRow; steps: StepRow[] };
}

/** The template changed since it was chosen (see TemplateGuard): nothing was written. */
export const STALE_TEMPLATE = "stale_template";

/**
 * Materialises a task from one template version - steps, edges, their settings - and dispatches
 * its root steps, in one statement (see insertTaskGraph): the plan of a new task is known
 * without reading anything back. The task is bound to this version for life.
 */
export async function createTaskFromTemplate(
  q: Queryable,
  { template, guard }: TemplateChoice,
  request: ParsedTaskRequest,
  now = new Date(),
): Promise<CreatedTask | typeof STALE_TEMPLATE> {
  const requestHash = hashRequest(request, template.version);
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
    created_at: now,
    updated_at: now,
    completed_at: null,
  };

  const ordered = topologicalOrder(template.steps);
  const uuidByName = new Map(ordered.map((s) => [s.name, uuidv7()]));
  const ancestors = ancestorsOf(template.steps);
  const steps: NewStep[] = ordered.map((s, position) => ({
    workflow_step_uuid: uuidByName.get(s.name)!,
    task_uuid: taskUuid,
    name: s.name,
    position,
    handler_callable: s.handler.callable,
    initialization: s.handler.initialization ?? {},
    max_attempts: s.retry.max_attempts,
    retryable: s.retry.retryable,
    backoff: s.retry.backoff,
    backoff_base_ms: s.retry.backoff_base_ms,
    max_backoff_ms: s.retry.max_backoff_ms,
    timeout_seconds: s.timeout_seconds,
    ancestor_uuids: [...(ancestors.get(s.name) ?? [])].map((n) => uuidByName.get(n)!),
  }));
  const parentsOf = new Map(ordered.map((s) => [s.name, s.dependencies.length]));
  const stepRows = steps.map((s) => newStepRow(s, parentsOf.get(s.name) ?? 0, now));
  const planned = planEvaluation(task, stepRows, now);
  const ready = new Set(planned.plan.ready.map((s) => s.uuid));
  for (const s of stepRows) if (ready.has(s.workflow_step_uuid)) s.state = "enqueued";
  task.status = planned.plan.transitions.at(-1)?.to ?? task.status;
  const inserted = await insertTaskGraph(q, {
    task,
    steps: stepRows.map((s, i) => ({ ...steps[i]!, state: s.state as "pending" | "enqueued" })),
    edges: ordered.flatMap((s) =>
      s.dependencies.map((d) => ({ from: uuidByName.get(d)!, to: uuidByName.get(s.name)! })),
    ),
    taskTransitions: planned.plan.transitions,
    queue: namespaceQueue(task.namespace),
    eventPayloads: eventPayloads(planned.events),
    createdAt: now,
    template: guard,
  });
  if (inserted === "stale") return STALE_TEMPLATE;
  if (inserted === "exists") return existingForKey(q, request.idempotency_key!, requestHash);
  return { taskUuid, created: true, rows: { task, steps: stepRows } };
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
