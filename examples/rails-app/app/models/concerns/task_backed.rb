# frozen_string_literal: true

# A row whose work is a task (orders, analytics jobs, service requests): its `status` follows the
# task to the end (completed / failed with `error` / cancelled), and `task_idempotency_key` makes
# sure one row never starts two tasks.
module TaskBacked
  extend ActiveSupport::Concern

  STATUSES = %w[queued pending processing completed failed cancelled].freeze
  TERMINAL_STATUSES = %w[completed failed cancelled].freeze
  # The row status for a terminal task state (an operator resolving a task accepts its outcome).
  STATUS_FOR_TASK = {
    "complete" => "completed", "resolved_manually" => "completed", "error" => "failed", "cancelled" => "cancelled"
  }.freeze

  included do
    validates :status, inclusion: { in: STATUSES }
  end

  class_methods do
    # Sets the status of the rows owning `task_uuid` from the task's terminal state.
    def apply_task_state(task_uuid, task_status, error)
      status = STATUS_FOR_TASK[task_status]
      return 0 unless status

      error = status == "failed" ? error || "the task failed" : nil
      where(task_uuid: task_uuid).where.not(status: status)
                                 .update_all(status: status, error: error, updated_at: Time.current)
    end
  end

  # The row id plus its creation time: a fresh database (ids from 1 again) never collides with
  # the tasks of an old one.
  def task_idempotency_key
    "#{self.class.table_name}-#{id}-#{(created_at.to_r * 1000).to_i}"
  end

  def finished?
    TERMINAL_STATUSES.include?(status)
  end
end
