# frozen_string_literal: true

# The create / read behaviour every workflow's endpoints share:
#   create_task_backed_row   POST: the row was inserted `pending`; create its task (idempotency key
#                            from the row) -> `processing` -> 201 with the row; when the engine
#                            refuses: the row is `failed` and the answer a 502/503 with JSON.
#   show_task_backed_row     GET /:id: 400 malformed id, 404 unknown, else the row plus `task`.
module TaskBackedRows
  extend ActiveSupport::Concern

  private

  def create_task_backed_row(row, request)
    result = TaskLauncher.launch(row, request)
    return render_engine_failure(result.failure, result.row) unless result.ok?

    render json: result.row, status: :created
  end

  def render_engine_failure(failure, row)
    response.set_header("Retry-After", failure.retry_after.to_s) if failure.retry_after
    body = { error: failure.message }
    body[:details] = failure.details unless failure.details.nil?
    body.merge!(id: row.id, status: row.status) if row
    render json: body, status: failure.status
  end

  def show_task_backed_row(model, what)
    id = row_id(params[:id], what) or return
    row = model.find_by(id: id) or return not_found(what, id)
    summary, task = TaskSummary.for_uuid(row.task_uuid)
    # A task that ended without our worker reporting its last step (cancelled from outside).
    if task&.terminal? && !row.finished?
      TaskStatus.reconcile(model, row.task_uuid, task)
      row.reload
    end
    render json: row.as_json.merge(summary)
  end
end
