/** The orchestration queue: step results and task re-evaluations. */
export const ORCHESTRATION_QUEUE = "orchestration_step_results";

/** One step-dispatch queue per namespace, as in tasker-core. */
export function namespaceQueue(namespace: string): string {
  return `worker_${namespace}_queue`;
}

/** Signals carry ids only; the database holds the state. */
export interface StepMessage {
  task_uuid: string;
  step_uuid: string;
  correlation_id: string;
}

export type OrchestrationMessage =
  | { kind: "step_result"; task_uuid: string; step_uuid: string; correlation_id: string }
  | { kind: "evaluate_task"; task_uuid: string; correlation_id: string; reason: string };
