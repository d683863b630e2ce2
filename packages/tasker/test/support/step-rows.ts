// Rows as the store reads them, for unit tests of planning and of the views made from them.
import { newStepRow, type StepRow } from "../../src/store/sql/steps.js";
import type { TaskRow } from "../../src/store/sql/tasks.js";

export const NOW = new Date("2026-01-01T00:00:00.000Z");

type StepWithParents = StepRow & { parent_uuids: string[] };

/** A pending step `uuid-<name>` of task-1 (override anything, e.g. its state or parents). */
export function stepRow(name: string, over: Partial<StepWithParents> = {}): StepWithParents {
  const created = newStepRow(
    {
      workflow_step_uuid: `uuid-${name}`,
      task_uuid: "task-1",
      name,
      position: 0,
      handler_callable: `h.${name}`,
      initialization: {},
      max_attempts: 3,
      retryable: true,
      backoff: "exponential",
      backoff_base_ms: 1000,
      max_backoff_ms: 30_000,
      timeout_seconds: 30,
      ancestor_positions: "{}",
      child_uuids: [],
    },
    0,
    NOW,
  );
  const parents = over.parent_uuids?.length ?? 0;
  return { ...created, parent_uuids: [], total_parents: parents, unfinished_parents: parents, ...over };
}

/** Task task-1, running. */
export function taskRow(over: Partial<TaskRow> = {}): TaskRow {
  return {
    task_uuid: "task-1",
    namespace: "ns",
    name: "t",
    version: "1.0.0",
    status: "steps_in_process",
    context: {},
    initiator: null,
    source_system: null,
    reason: null,
    tags: [],
    priority: 0,
    correlation_id: "c-1",
    parent_correlation_id: null,
    idempotency_key: null,
    request_hash: "h",
    error: null,
    step_count: 0,
    steps_done: 0,
    steps_failed: 0,
    steps_waiting: 0,
    steps_running: 0,
    created_at: NOW,
    updated_at: NOW,
    completed_at: null,
    ...over,
  };
}

/** a -> {b, c} -> d, with `a` just stored by worker w1 (the store's snapshot still shows it in_progress). */
export function diamondAfterA(): StepWithParents[] {
  return [
    stepRow("a", { state: "in_progress", attempts: 1, claimed_by: "w1" }),
    stepRow("b", { position: 1, parent_uuids: ["uuid-a"] }),
    stepRow("c", { position: 2, parent_uuids: ["uuid-a"] }),
    stepRow("d", { position: 3, parent_uuids: ["uuid-b", "uuid-c"] }),
  ];
}
