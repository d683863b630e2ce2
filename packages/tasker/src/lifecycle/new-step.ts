import { BATCH_CONFIG_KEY } from "../model/batch-outcome.js";
import type { NewStep } from "../store/sql/steps.js";
import type { TaskTemplate } from "../template/schema.js";

type TemplateStep = TaskTemplate["steps"][number];

/**
 * A new step's row from its template step (handler, retry settings, timeout) and its place in
 * the task: at a task's creation and when a decision's outcome creates it.
 */
export function newStepOf(
  s: TemplateStep,
  place: Pick<
    NewStep,
    "workflow_step_uuid" | "task_uuid" | "position" | "ancestor_positions" | "child_uuids"
  >,
): NewStep {
  return {
    workflow_step_uuid: place.workflow_step_uuid,
    task_uuid: place.task_uuid,
    name: s.name,
    position: place.position,
    handler_callable: s.handler.callable,
    // A batchable step's handler gets its batch_config (ctx.batchConfig, the claim's batch_config).
    initialization: s.batch_config
      ? { ...s.handler.initialization, [BATCH_CONFIG_KEY]: s.batch_config }
      : (s.handler.initialization ?? {}),
    max_attempts: s.retry.max_attempts,
    retryable: s.retry.retryable,
    backoff: s.retry.backoff,
    backoff_base_ms: s.retry.backoff_base_ms,
    max_backoff_ms: s.retry.max_backoff_ms,
    timeout_seconds: s.timeout_seconds,
    ancestor_positions: place.ancestor_positions,
    child_uuids: place.child_uuids,
  };
}
