import { createHash } from "node:crypto";
import { toTaskTransition } from "../../client/task-view.js";
import type {
  StepResponse,
  StepTransition,
  TaskResponse,
  TaskTransition,
} from "../../model/task-response.js";
import type { Queryable } from "../../store/database.js";
import { selectTaskTransitions } from "../../store/sql/transitions.js";
import type { ShapeTemplateStep } from "../../template/task-shape.js";
import type { DashboardTasker } from "../dashboard-tasker.js";
import { type Attempt, summarizeAttempts } from "./step-attempts.js";
import { selectTaskEdges } from "./task-graph.js";

export interface SelectedStep {
  step: StepResponse;
  audit: StepTransition[];
  attempts: Attempt[];
}

/** Everything the task page shows, read in one go. */
export interface TaskDetail {
  task: TaskResponse;
  edges: { from: string; to: string }[];
  /** The steps of the task's template version, to draw the steps the task lacks; absent if gone. */
  templateSteps: ShapeTemplateStep[] | undefined;
  transitions: TaskTransition[];
  selected: SelectedStep | undefined;
  /** Changes whenever anything shown changes: live refreshes send nothing while it is the same. */
  fingerprint: string;
}

/** The transitions of a task, oldest first, in the API's shape. */
export async function loadTaskTransitions(db: Queryable, taskUuid: string): Promise<TaskTransition[]> {
  return (await selectTaskTransitions(db, taskUuid)).map(toTaskTransition);
}

/**
 * The step a page asks for (`?step=` is a step uuid or name). Without one, a failed step is
 * picked, since fixing it is the likely reason to open the task.
 */
export function pickStep(steps: readonly StepResponse[], ref: string | undefined): StepResponse | undefined {
  if (ref) return steps.find((s) => s.workflow_step_uuid === ref || s.name === ref);
  return steps.find((s) => s.current_state === "error");
}

/** A short hash of what the live part of the task page shows (pure). */
export function taskFingerprint(
  task: Pick<TaskResponse, "status" | "updated_at" | "steps">,
  transitionCount: number,
  selected: { uuid: string; auditCount: number } | undefined,
): string {
  const state = [
    task.status,
    task.updated_at,
    task.steps.map((s) => [s.workflow_step_uuid, s.current_state, s.attempts, s.updated_at]),
    transitionCount,
    selected ? [selected.uuid, selected.auditCount] : null,
  ];
  return createHash("sha256").update(JSON.stringify(state)).digest("base64url").slice(0, 16);
}

/** Reads the task (with steps, results and errors), its edges, transitions and the chosen step. */
export async function loadTaskDetail(
  tasker: DashboardTasker,
  taskUuid: string,
  stepRef: string | undefined,
): Promise<TaskDetail> {
  const task = await tasker.client.getTask(taskUuid);
  const [edges, transitions, template] = await Promise.all([
    selectTaskEdges(tasker.database, taskUuid),
    loadTaskTransitions(tasker.database, taskUuid),
    tasker.templates.get(task.namespace, task.name, task.version),
  ]);
  const step = pickStep(task.steps, stepRef);
  let selected: SelectedStep | undefined;
  if (step) {
    const audit = await tasker.client.getStepAudit(taskUuid, step.workflow_step_uuid);
    selected = { step, audit, attempts: summarizeAttempts(audit) };
  }
  const fingerprint = taskFingerprint(
    task,
    transitions.length,
    selected ? { uuid: selected.step.workflow_step_uuid, auditCount: selected.audit.length } : undefined,
  );
  return { task, edges, templateSteps: template?.steps, transitions, selected, fingerprint };
}
