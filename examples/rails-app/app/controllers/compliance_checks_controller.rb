# frozen_string_literal: true

# POST /compliance/checks (one row, two tasks: sales_rb + compliance_rb), GET /compliance/checks/:id
# (the row, its compliance task as `task` and both by team as `tasks`). Workflow 4.
class ComplianceChecksController < ApplicationController
  include TaskBackedRows

  def create
    form = valid_form(ComplianceCheckForm) or return
    check = ComplianceCheck.create!(
      order_ref: form.order_ref, namespace: form.namespace || "default", status: "pending",
      correlation_id: SecureRandom.uuid, items: form.items, destination: form.destination,
      coupon_code: form.coupon_code, customer_id: form.customer_id
    )
    check, failure = TeamScaling::CheckTasks.launch(check)
    return render_engine_failure(failure, check) if failure

    render json: check, status: :created
  end

  def show
    id = row_id(params[:id], "compliance check") or return
    check = ComplianceCheck.find_by(id: id) or return not_found("compliance check", id)
    tasks = check.task_uuids.transform_values { |uuid| TaskSummary.for_uuid(uuid).first["task"] }
    if check.status == "processing" && tasks.values.all? { |t| t && terminal?(t) }
      TeamScaling::CheckTasks.refresh(check.id)
    end
    render json: check.reload.as_json.merge(TaskSummary.for_uuid(check.task_uuid).first).merge("tasks" => tasks)
  end

  private

  def terminal?(summary)
    TaskerSdk::Task::TERMINAL_STATES.include?(summary["status"])
  end
end
