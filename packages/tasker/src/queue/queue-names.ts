/**
 * The orchestration queue: requests to re-plan a task (a retry's backoff is over). The name is
 * older than that: step results went through it once.
 */
export const ORCHESTRATION_QUEUE = "orchestration_step_results";

/** One step-dispatch queue per namespace, as in tasker-core. */
export function namespaceQueue(namespace: string): string {
  return `worker_${namespace}_queue`;
}

/** {@link namespaceQueue} in SQL, of the SQL expression `namespace`. */
export function namespaceQueueSql(namespace: string): string {
  return `'worker_' || ${namespace} || '_queue'`;
}

/** Signals carry ids only; the database holds the state. */
export interface StepMessage {
  task_uuid: string;
  step_uuid: string;
  correlation_id: string;
}

/**
 * `evaluate_task` asks to re-plan a task. `step_result` is an older version's request to decide on
 * a step's stored outcome; a queue may still hold one after an upgrade: it is read as a re-plan of
 * its task (migration 010 decided those steps).
 */
export type OrchestrationMessage =
  | { kind: "step_result"; task_uuid: string; step_uuid: string; correlation_id: string }
  | { kind: "evaluate_task"; task_uuid: string; correlation_id: string; reason: string };
