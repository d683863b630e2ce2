# frozen_string_literal: true

# Creates a row's task and records it on the row (status `processing`), the same way for every
# endpoint: the idempotency key comes from the row, so the same row never starts two tasks. When
# the engine refuses, the row is marked `failed` with the reason (unless the failure is transient
# and the caller, a job, will try again).
module TaskLauncher
  Result = Struct.new(:row, :failure) do
    def ok?
      failure.nil?
    end
  end

  module_function

  def launch(row, request, keep_row_on_transient_failure: false)
    task = Orchestration.client.create_task(**request, idempotency_key: row.task_idempotency_key)
  rescue TaskerSdk::ApiError, TaskerSdk::ConnectionError => e
    failure = EngineFailure.from(e)
    Rails.logger.warn("the engine did not accept the task of #{row.class.table_name} #{row.id}: #{e.message}")
    return Result.new(nil, failure) if failure.transient? && keep_row_on_transient_failure

    row.update_columns(status: "failed", error: failure.message, updated_at: Time.current)
    Result.new(row, failure)
  else
    row.update_columns(task_uuid: task.task_uuid, status: "processing", updated_at: Time.current)
    # The task may have finished before its uuid was stored: its finished event found no row.
    TaskStatus.reconcile(row.class, task.task_uuid)
    Result.new(row.reload, nil)
  end
end
