# frozen_string_literal: true

# POST /orders/async: the queued order's task is created here, in the background, retrying while
# the engine is unavailable (the order stays `queued` meanwhile); after the last attempt, or when
# the engine refuses the task, the order is `failed` with the reason.
class OrderIntakeJob < ApplicationJob
  queue_as :task_intake
  ATTEMPTS = 5

  class EngineUnavailable < StandardError; end

  retry_on EngineUnavailable, wait: :exponentially_longer, attempts: ATTEMPTS do |job, error|
    Order.where(id: job.arguments.first, status: "queued")
         .update_all(status: "failed", error: error.message, updated_at: Time.current)
  end

  def perform(order_id, payment_info)
    order = Order.find_by(id: order_id)
    # Delivered twice, or the row moved on: nothing to do.
    return unless order&.status == "queued"

    result = TaskLauncher.launch(order, Ecommerce.task_request(order, payment_info),
                                 keep_row_on_transient_failure: executions < ATTEMPTS)
    raise EngineUnavailable, result.failure.message if !result.ok? && result.row.nil?
  end
end
