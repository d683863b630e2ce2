import { TASK_CANCELLED } from "../events/event-names.js";
import { publishEvents } from "../events/lifecycle-events.js";
import { evaluateTask, taskEvent } from "../lifecycle/evaluate-task.js";
import { BATCH_INPUTS_KEY, type BatchInputs } from "../model/batch-outcome.js";
import { checkContextLimits } from "../model/context-limits.js";
import { notFound, TaskerError } from "../model/errors.js";
import type { StepAction } from "../model/step-action.js";
import { STEP_TRANSITIONS, type StepState } from "../state/step-states.js";
import { TASK_TERMINAL_STATES, type TaskState } from "../state/task-states.js";
import { assertTaskTransition } from "../state/transitions.js";
import { run, type Transaction } from "../store/database.js";
import { countCancelledSiblings } from "../store/sql/batch-instances.js";
import { tasksForCreationStatement } from "../store/sql/create-steps.js";
import { selectStep } from "../store/sql/steps.js";
import { selectTask, updateTaskStatus } from "../store/sql/tasks.js";
import {
  applyOperatorStepEvent,
  cancelTaskSteps,
  type OperatorStepEvent,
} from "../store/sql/transition-steps.js";
import { insertTaskTransitions } from "../store/sql/transitions.js";
import type { TaskTemplate } from "../template/schema.js";
import { createsSteps } from "../template/step-creation.js";

/** Cancel: no new steps start; running ones finish (their results are recorded); task `cancelled`. */
export async function cancelTask(tx: Transaction, taskUuid: string, reason: string): Promise<void> {
  const task = await selectTask(tx, taskUuid, { forUpdate: true });
  if (!task) throw notFound("Task", taskUuid);
  const status = task.status as TaskState;
  if (TASK_TERMINAL_STATES.has(status)) {
    throw new TaskerError(
      "CONFLICT",
      `task ${taskUuid} is already ${status}; only unfinished tasks can be cancelled`,
      {
        task_uuid: taskUuid,
        status,
      },
    );
  }
  await cancelTaskSteps(tx, taskUuid, reason);
  const to = assertTaskTransition(status, "cancel");
  await insertTaskTransitions(tx, [{ taskUuid, from: status, to, event: "cancel", metadata: { reason } }]);
  await updateTaskStatus(tx, taskUuid, to, { terminal: true });
  task.status = to;
  await publishEvents(tx, [taskEvent(task, TASK_CANCELLED)]);
}

const ONLY_FAILED = "operator actions apply to steps that failed or are waiting for a retry";
/** Why an operator action is refused in a state it may not leave (said after the allowed states). */
const WHY_NOT: Partial<Record<StepState, string>> = {
  pending: `${ONLY_FAILED}, and this one has not run yet`,
  enqueued: `${ONLY_FAILED}, and this one has not run yet: it is queued to run`,
  in_progress: `${ONLY_FAILED}, and this one is running: wait for its outcome`,
  enqueued_for_orchestration: `${ONLY_FAILED}, and this one has just succeeded`,
  enqueued_as_error_for_orchestration: `${ONLY_FAILED}, and this one has just failed: act once it shows error or waiting_for_retry`,
  waiting_for_retry: "the step will be retried already",
  complete: "the step is finished",
  resolved_manually: "the step is finished",
  cancelled: "the step was cancelled",
};

const ACTION_EVENT: Record<StepAction["action_type"], OperatorStepEvent> = {
  reset_for_retry: "reset_for_retry",
  resolve_manually: "resolve_manually",
  complete_manually: "complete_manually",
};

/**
 * A decision or batchable step is finished only by its handler's outcome, which creates the steps
 * behind it: resolved or completed by hand it would create none and its task would complete
 * without them. Retrying it (reset_for_retry) lets its handler decide again.
 */
async function refuseStepCreator(
  tx: Transaction,
  taskUuid: string,
  step: { name: string; state: string },
  action: StepAction,
): Promise<void> {
  const [task] = await run(tx, tasksForCreationStatement([taskUuid]));
  const steps = (task?.definition as TaskTemplate | null | undefined)?.steps;
  const type = steps?.find((s) => s.name === step.name)?.type ?? "standard";
  if (!createsSteps(type)) return;
  throw new TaskerError(
    "CONFLICT",
    `step ${step.name} is a ${type} step: ${action.action_type} would create none of the steps its outcome creates; retry it (reset_for_retry) so its handler runs again`,
    { step_name: step.name, step_type: type, current_state: step.state },
  );
}

/**
 * An instance of a fail_fast batch whose failure stopped the batch: the instances it cancelled
 * cannot run again, so after any action on it the task would wait for them forever.
 */
async function refuseStoppedBatch(
  tx: Transaction,
  taskUuid: string,
  step: { name: string; state: string; initialization: Record<string, unknown> },
  action: StepAction,
): Promise<void> {
  const batch = step.initialization[BATCH_INPUTS_KEY] as Partial<BatchInputs> | undefined;
  if (batch?.failure_strategy !== "fail_fast" || typeof batch.batch_id !== "string") return;
  const cancelled = await countCancelledSiblings(tx, taskUuid, step.name, batch.batch_id);
  if (cancelled === 0) return;
  throw new TaskerError(
    "CONFLICT",
    `step ${step.name} stopped its batch (failure_strategy: fail_fast) and ${cancelled} of its instances were cancelled; they cannot run again, so ${action.action_type} would leave the task waiting for them. Create the task again (or use continue_on_failure or isolate for batches an operator should repair)`,
    {
      step_name: step.name,
      failure_strategy: "fail_fast",
      cancelled_instances: cancelled,
      current_state: step.state,
    },
  );
}

/**
 * Operator actions on a step that failed (`error`) or is waiting for a retry, then a re-plan of
 * its task (dependants may now run). Any other state is refused with a conflict that names it.
 */
export async function applyStepAction(
  tx: Transaction,
  taskUuid: string,
  stepUuid: string,
  action: StepAction,
): Promise<void> {
  const task = await selectTask(tx, taskUuid, { forUpdate: true });
  if (!task) throw notFound("Task", taskUuid);
  const step = await selectStep(tx, taskUuid, stepUuid);
  if (!step) throw notFound("Workflow step", stepUuid);
  const status = task.status as TaskState;
  if (TASK_TERMINAL_STATES.has(status) && status !== "error") {
    throw new TaskerError(
      "CONFLICT",
      `task ${taskUuid} is ${status}; steps of a finished task cannot be changed`,
      {
        task_uuid: taskUuid,
        status,
      },
    );
  }
  if (action.action_type !== "reset_for_retry") await refuseStepCreator(tx, taskUuid, step, action);
  await refuseStoppedBatch(tx, taskUuid, step, action);
  if (action.action_type === "complete_manually") {
    // The same limits as a task context: a manual result is read by every dependant.
    const limit = checkContextLimits(action.completion_data.result ?? null);
    if (limit) {
      throw new TaskerError(limit.code, limit.message.replace(/^context/, "completion_data.result"), {
        path: limit.path.replace(/^context/, "completion_data.result"),
      });
    }
  }
  const event = ACTION_EVENT[action.action_type];
  const allowed = STEP_TRANSITIONS[event].from;
  const by =
    "reset_by" in action
      ? action.reset_by
      : "resolved_by" in action
        ? action.resolved_by
        : "completed_by" in action
          ? action.completed_by
          : undefined;
  const moved = await applyOperatorStepEvent(tx, {
    stepUuid,
    event,
    result: action.action_type === "complete_manually" ? action.completion_data.result : undefined,
    metadata: { reason: action.reason, by: by ?? null, manual: true },
  });
  if (moved.length === 0) {
    const why = WHY_NOT[step.state as StepState];
    throw new TaskerError(
      "CONFLICT",
      `step ${step.name} is ${step.state}; ${action.action_type} is only allowed from ${allowed.join(", ")}${why ? `: ${why}` : ""}`,
      { step_uuid: stepUuid, current_state: step.state, allowed_from: allowed },
    );
  }
  await evaluateTask(tx, taskUuid, task);
}
