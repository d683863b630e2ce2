# frozen_string_literal: true

# The engine's view of a row's task, as GET /<things>/:id shows it next to the row.
module TaskSummary
  module_function

  def of(task)
    data = task.to_h.slice("task_uuid", "status", "completion_percentage", "total_steps", "pending_steps",
                           "in_progress_steps", "completed_steps", "failed_steps", "error")
    data.merge("steps" => task.steps.map do |s|
      { "name" => s.name, "state" => s.current_state, "attempts" => s.attempts, "max_attempts" => s.max_attempts }
    end)
  end

  # `{task: summary}`, `{task: nil}` before the row has a task, or `{task: nil, task_error}` when
  # the engine cannot be asked. Also returns the task itself (or nil).
  def for_uuid(task_uuid)
    return [{ "task" => nil }, nil] unless task_uuid

    task = Orchestration.client.get_task(task_uuid)
    [{ "task" => of(task) }, task]
  rescue TaskerSdk::Error => e
    [{ "task" => nil, "task_error" => EngineFailure.from(e).message }, nil]
  end
end
