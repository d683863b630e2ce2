// The engine's view of a row's task, as GET /<things>/:id shows it next to the row.
import type { TaskResponse, TaskState } from "@tasker-ts/tasker/client";

export interface TaskSummary {
  task_uuid: string;
  status: TaskState;
  completion_percentage: number;
  total_steps: number;
  pending_steps: number;
  in_progress_steps: number;
  completed_steps: number;
  failed_steps: number;
  error: string | null;
  steps: Array<{ name: string; state: string; attempts: number; max_attempts: number }>;
}

export function summarizeTask(task: TaskResponse): TaskSummary {
  return {
    task_uuid: task.task_uuid,
    status: task.status,
    completion_percentage: task.completion_percentage,
    total_steps: task.total_steps,
    pending_steps: task.pending_steps,
    in_progress_steps: task.in_progress_steps,
    completed_steps: task.completed_steps,
    failed_steps: task.failed_steps,
    error: task.error,
    steps: task.steps.map((s) => ({
      name: s.name,
      state: s.current_state,
      attempts: s.attempts,
      max_attempts: s.max_attempts,
    })),
  };
}
