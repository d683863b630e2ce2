import type { StepResponse, TaskResponse, TaskSummary } from "../model/task-response.js";
import type { StepState } from "../state/step-states.js";
import type { TaskState } from "../state/task-states.js";
import type { Style } from "./style.js";
import { type Column, formatTable } from "./table.js";

/** Green done, red failed, blue running, yellow retrying, dim waiting/cancelled. */
export function colourState(state: TaskState | StepState, style: Style): (text: string) => string {
  switch (state) {
    case "complete":
    case "resolved_manually":
      return style.green;
    case "error":
    case "blocked_by_failures":
    case "enqueued_as_error_for_orchestration":
      return style.red;
    case "waiting_for_retry":
      return style.yellow;
    case "pending":
    case "cancelled":
    case "waiting_for_dependencies":
      return style.dim;
    default:
      return style.blue;
  }
}

const dash = (value: string | null | undefined) =>
  value === null || value === undefined || value === "" ? "-" : value;

/** Step states in the order they appear, with counts: `complete 2, in_progress 1`. */
export function stepStateCounts(
  steps: readonly Pick<StepResponse, "current_state">[],
): [StepState, number][] {
  const counts = new Map<StepState, number>();
  for (const s of steps) counts.set(s.current_state, (counts.get(s.current_state) ?? 0) + 1);
  return [...counts];
}

export function formatStepTable(steps: readonly StepResponse[], style: Style): string {
  const columns: Column<StepResponse>[] = [
    { header: "STEP", value: (s) => s.name },
    {
      header: "STATE",
      value: (s) => s.current_state,
      style: (t, s) => colourState(s.current_state, style)(t),
    },
    { header: "ATTEMPTS", value: (s) => `${s.attempts}/${s.max_attempts}`, align: "right" },
    { header: "NEXT RETRY", value: (s) => dash(s.next_retry_at) },
    { header: "UUID", value: (s) => s.workflow_step_uuid },
    { header: "ERROR", value: (s) => dash(s.error?.message) },
  ];
  return formatTable(columns, steps, style.bold);
}

export function formatTaskTable(tasks: readonly TaskSummary[], style: Style): string {
  const columns: Column<TaskSummary>[] = [
    { header: "TASK", value: (t) => t.task_uuid },
    { header: "TEMPLATE", value: (t) => `${t.namespace}/${t.name}@${t.version}` },
    { header: "STATUS", value: (t) => t.status, style: (text, t) => colourState(t.status, style)(text) },
    { header: "DONE", value: (t) => `${Math.round(t.completion_percentage)}%`, align: "right" },
    { header: "STEPS", value: (t) => `${t.completed_steps}/${t.total_steps}`, align: "right" },
    { header: "CREATED", value: (t) => t.created_at },
  ];
  return formatTable(columns, tasks, style.bold);
}

/** A task's facts as aligned `key: value` lines, then its steps as a table. */
export function formatTaskDetail(task: TaskResponse, style: Style): string {
  const facts: [string, string][] = [
    ["task", task.task_uuid],
    ["template", `${task.namespace}/${task.name}@${task.version}`],
    ["status", colourState(task.status, style)(task.status)],
    [
      "progress",
      `${Math.round(task.completion_percentage)}% (${task.completed_steps}/${task.total_steps} steps complete, ${task.failed_steps} failed)`,
    ],
    ["execution", `${task.execution_status}; recommended: ${task.recommended_action}`],
    ["correlation", task.correlation_id],
    ["created", task.created_at],
    ["completed", dash(task.completed_at)],
  ];
  if (task.error) facts.push(["error", style.red(task.error)]);
  const width = Math.max(...facts.map(([k]) => k.length));
  const lines = facts.map(([k, v]) => `${style.bold(`${k}:`.padEnd(width + 1))} ${v}`);
  return `${lines.join("\n")}\n\n${formatStepTable(task.steps, style)}`;
}

/** One line for progress output: status, percentage and step states. */
export function describeProgress(task: TaskResponse, style: Style): string {
  const states = stepStateCounts(task.steps)
    .map(([state, n]) => colourState(state, style)(`${state} ${n}`))
    .join(", ");
  return `${colourState(task.status, style)(task.status)} ${Math.round(task.completion_percentage)}%${states ? ` [${states}]` : ""}`;
}
