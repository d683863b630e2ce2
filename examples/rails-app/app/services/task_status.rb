# frozen_string_literal: true

# Makes domain rows follow their tasks. The worker reports each step's outcome and the server's
# answer says when the step finished its task (complete, error, cancelled): that is this app's
# task lifecycle event (`on_task_finished`, from whichever process's worker ran the last step).
# Tasks that end without a step of ours finishing them (cancelled from outside, a lease running
# out on a last attempt) are caught up when their row is read (`reconcile`).
module TaskStatus
  module_function

  def row_models
    { Ecommerce::NAMESPACE => Order, DataPipeline::NAMESPACE => AnalyticsJob,
      Microservices::NAMESPACE => ServiceRequest }
  end

  # The worker's on_task_finished hook (a TaskerSdk::Worker::TaskFinished).
  def task_finished(event)
    error = event.status == "error" ? task_error(event.task_uuid) : nil
    apply(namespace: event.namespace, task_uuid: event.task_uuid, status: event.status, error: error,
          correlation_id: event.correlation_id)
  end

  def apply(namespace:, task_uuid:, status:, error:, correlation_id:)
    if TeamScaling::NAMESPACES.include?(namespace)
      TeamScaling::CheckTasks.task_finished(correlation_id: correlation_id, task_uuid: task_uuid, status: status,
                                            error: error)
    else
      row_models[namespace]&.apply_task_state(task_uuid, status, error)
    end
  end

  # Reads the task once and applies its state when it has ended (after storing a new task's
  # uuid, and when a row is read while still processing). Returns the task, or nil when the
  # server could not be asked.
  def reconcile(model, task_uuid, task = nil)
    task ||= Orchestration.client.get_task(task_uuid)
    model.apply_task_state(task_uuid, task.status, task.error) if task.terminal?
    task
  rescue TaskerSdk::Error => e
    Rails.logger.debug { "could not read task #{task_uuid} (#{e.message}); its finished event will update the row" }
    nil
  end

  def task_error(task_uuid)
    Orchestration.client.get_task(task_uuid).error
  rescue TaskerSdk::Error
    nil
  end
end
