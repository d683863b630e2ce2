//! Rows whose work is a task (orders, analytics jobs, service requests, compliance checks), and
//! the behaviour every one of them shares (workflows.md ground rules):
//!
//! - create: insert the row `pending` -> create the task (idempotency key from the row) -> store
//!   `task_uuid`, `processing` -> 201 with the row; if the engine refuses: row `failed` + 502/503.
//! - read: 400 for a malformed id, 404 for an unknown one, else the row plus `task` (the
//!   engine's summary).
//! - follow: the row's status follows its task to the end, from the worker's finished hook
//!   (a report that ended the task) and, for ends no report of ours saw (a cancel through the
//!   API), from reading the task.

use axum::http::StatusCode;
use axum::Json;
use serde_json::{json, Map, Value};
use tasker_worker::{Task, TaskRequest};

use crate::http::{parse_row_id, ApiError};
use crate::state::AppState;

/// A table whose rows each own a task.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Table {
    /// `app.orders`
    Orders,
    /// `app.analytics_jobs`
    AnalyticsJobs,
    /// `app.service_requests`
    ServiceRequests,
    /// `app.compliance_checks`
    ComplianceChecks,
}

impl Table {
    /// The table's name (in `app`), also used in idempotency keys.
    pub fn name(self) -> &'static str {
        match self {
            Table::Orders => "orders",
            Table::AnalyticsJobs => "analytics_jobs",
            Table::ServiceRequests => "service_requests",
            Table::ComplianceChecks => "compliance_checks",
        }
    }

    /// What one row is called in messages.
    pub fn what(self) -> &'static str {
        match self {
            Table::Orders => "order",
            Table::AnalyticsJobs => "analytics job",
            Table::ServiceRequests => "service request",
            Table::ComplianceChecks => "compliance check",
        }
    }
}

/// A freshly inserted row: its id and the key its task is created with.
#[derive(Debug, Clone)]
pub struct NewRow {
    /// The row's id.
    pub id: i32,
    /// `<table>-<id>-<created_at ms>`: the same row never starts two tasks, and a fresh app
    /// database (ids from 1 again) never collides with old tasks on a shared server.
    pub idempotency_key: String,
}

/// The SQL tail of an INSERT that returns what [`NewRow`] needs.
pub const RETURNING_NEW_ROW: &str = "RETURNING id, (extract(epoch FROM created_at) * 1000)::int8 AS created_ms";

impl NewRow {
    /// From a row `RETURNING` [`RETURNING_NEW_ROW`].
    pub fn from_row(table: Table, row: &sqlx::postgres::PgRow) -> Result<Self, sqlx::Error> {
        use sqlx::Row;
        let id: i32 = row.try_get("id")?;
        let created_ms: i64 = row.try_get("created_ms")?;
        Ok(Self { id, idempotency_key: format!("{}-{id}-{created_ms}", table.name()) })
    }
}

/// A row as the API shows it: columns in table order, timestamps in ISO 8601, whole numbers
/// without a fraction.
pub async fn row_json(state: &AppState, table: Table, id: i32) -> Result<Option<Value>, sqlx::Error> {
    let row: Option<Value> = sqlx::query_scalar(&format!("SELECT app.row_json(row_to_json(t)) FROM app.{} t WHERE id = $1", table.name()))
        .bind(id)
        .fetch_optional(&state.db)
        .await?;
    Ok(row.map(crate::workflows::data_pipeline::analysis::js_numbers))
}

/// Updates a row's status (and error, and task uuid when given).
pub async fn update_row(state: &AppState, table: Table, id: i32, status: &str, error: Option<&str>, task_uuid: Option<&str>) -> Result<(), sqlx::Error> {
    sqlx::query(&format!(
        "UPDATE app.{} SET status = $2, error = $3, task_uuid = COALESCE($4::uuid, task_uuid), updated_at = now() WHERE id = $1",
        table.name()
    ))
    .bind(id)
    .bind(status)
    .bind(error)
    .bind(task_uuid)
    .execute(&state.db)
    .await?;
    Ok(())
}

/// How an engine failure to accept a task becomes an answer: refused (bad context, conflict)
/// -> 502, it will not work if repeated; overloaded or unreachable -> 503 with Retry-After.
#[derive(Debug, Clone)]
pub struct EngineFailure {
    /// 502 or 503.
    pub status: StatusCode,
    /// True when trying again later may succeed.
    pub transient: bool,
    /// Why.
    pub message: String,
    /// The engine's details.
    pub details: Option<Value>,
}

/// Classifies a client error.
pub fn classify(error: &tasker_worker::Error) -> EngineFailure {
    match error {
        tasker_worker::Error::Api { status, code, message, details, .. } if *status < 500 && *status != 429 => EngineFailure {
            status: StatusCode::BAD_GATEWAY,
            transient: false,
            message: format!("the workflow engine rejected the task ({}): {message}", code.as_deref().unwrap_or("error")),
            details: details.as_deref().cloned(),
        },
        tasker_worker::Error::Api { message, details, .. } => EngineFailure {
            status: StatusCode::SERVICE_UNAVAILABLE,
            transient: true,
            message: format!("the workflow engine is unavailable: {message}"),
            details: details.as_deref().cloned(),
        },
        other => EngineFailure {
            status: StatusCode::SERVICE_UNAVAILABLE,
            transient: true,
            message: format!("the workflow engine could not be reached: {other}"),
            details: None,
        },
    }
}

/// The answer for a refused task: 502, or 503 with `Retry-After`, with the row's id and status.
pub fn failure_response(failure: &EngineFailure, row: Option<(i32, &str)>) -> ApiError {
    let mut extra = Map::new();
    if let Some(details) = &failure.details {
        extra.insert("details".into(), details.clone());
    }
    if let Some((id, status)) = row {
        extra.insert("id".into(), json!(id));
        extra.insert("status".into(), json!(status));
    }
    let mut error = ApiError::new(failure.status, failure.message.clone()).with(extra);
    if failure.transient {
        error.retry_after = Some(5);
    }
    error
}

/// Creates the row's task and records it on the row (`processing`). When the engine refuses,
/// the row is marked `failed` with the reason, unless `keep_row_on_transient_failure` is set
/// and the failure is transient (a job that will try again).
pub async fn launch_task_for_row(
    state: &AppState,
    table: Table,
    row: &NewRow,
    request: TaskRequest,
    keep_row_on_transient_failure: bool,
) -> Result<String, EngineFailure> {
    let request = request.idempotency_key(&row.idempotency_key);
    let created = match state.tasker.create_task(&request).await {
        Ok(created) => created,
        Err(error) => {
            let failure = classify(&error);
            tracing::warn!(table = table.name(), id = row.id, %error, "the engine did not accept the task");
            if !(failure.transient && keep_row_on_transient_failure) {
                if let Err(e) = update_row(state, table, row.id, "failed", Some(&failure.message), None).await {
                    tracing::error!(error = %e, "could not mark the row failed");
                }
            }
            return Err(failure);
        }
    };
    let uuid = created.task.task_uuid.clone();
    if let Err(e) = update_row(state, table, row.id, "processing", None, Some(&uuid)).await {
        tracing::error!(error = %e, "could not store the task on its row");
    }
    // The task may have finished before its uuid was on the row (the hook found no row).
    if let Ok(task) = state.tasker.get_task(&uuid).await {
        apply_task_state(state, &task).await;
    }
    Ok(uuid)
}

/// A POST's 201 (the stored row) or the engine failure's answer.
pub async fn created_response(state: &AppState, table: Table, row: &NewRow, launched: Result<String, EngineFailure>) -> Result<(StatusCode, Json<Value>), ApiError> {
    let stored = row_json(state, table, row.id).await?.unwrap_or(Value::Null);
    match launched {
        Ok(_) => Ok((StatusCode::CREATED, Json(stored))),
        Err(failure) => {
            let status = stored.get("status").and_then(Value::as_str).unwrap_or("failed").to_owned();
            Err(failure_response(&failure, Some((row.id, &status))))
        }
    }
}

/// The row status a terminal task state means; `None` while it runs.
pub fn row_status_for(task_status: &str) -> Option<&'static str> {
    match task_status {
        "complete" | "resolved_manually" => Some("completed"),
        "error" => Some("failed"),
        "cancelled" => Some("cancelled"),
        _ => None,
    }
}

/// The engine's view of a row's task, as GET shows it next to the row.
pub fn summarize(task: &Task) -> Value {
    json!({
        "task_uuid": task.task_uuid,
        "status": task.status,
        "completion_percentage": task.completion_percentage,
        "total_steps": task.total_steps,
        "pending_steps": task.pending_steps,
        "in_progress_steps": task.in_progress_steps,
        "completed_steps": task.completed_steps,
        "failed_steps": task.failed_steps,
        "error": task.error,
        "steps": task.steps.iter().map(|s| json!({
            "name": s.name, "state": s.current_state, "attempts": s.attempts, "max_attempts": s.max_attempts,
        })).collect::<Vec<_>>(),
    })
}

/// `{task}` for a task uuid, or `{task: null, task_error}` when the engine cannot be asked;
/// also brings the rows owning the task up to date when it has ended.
pub async fn task_summary_for(state: &AppState, task_uuid: Option<&str>) -> Map<String, Value> {
    let mut out = Map::new();
    let Some(uuid) = task_uuid else {
        out.insert("task".into(), Value::Null);
        return out;
    };
    match state.tasker.get_task(uuid).await {
        Ok(task) => {
            apply_task_state(state, &task).await;
            out.insert("task".into(), summarize(&task));
        }
        Err(error) => {
            out.insert("task".into(), Value::Null);
            out.insert("task_error".into(), json!(classify(&error).message));
        }
    }
    out
}

/// GET `/<things>/{id}`: the row plus its task summary.
pub async fn respond_with_row_and_task(state: &AppState, table: Table, raw_id: &str) -> Result<Json<Value>, ApiError> {
    let id = parse_row_id(raw_id, table.what())?;
    let Some(row) = row_json(state, table, id).await? else {
        return Err(ApiError::not_found(format!("{} {id} not found", table.what())));
    };
    let task_uuid = row.get("task_uuid").and_then(Value::as_str).map(str::to_owned);
    let summary = task_summary_for(state, task_uuid.as_deref()).await;
    // The summary may have moved the row on; show it as stored now.
    let mut row = row_json(state, table, id).await?.unwrap_or(row);
    if let Value::Object(map) = &mut row {
        map.extend(summary);
    }
    Ok(Json(row))
}

/// The worker's finished hook: reads the ended task once (for its error) and updates the rows
/// that own it.
pub async fn on_task_finished(state: AppState, task_uuid: String) {
    match state.tasker.get_task(&task_uuid).await {
        Ok(task) => apply_task_state(&state, &task).await,
        Err(error) => tracing::warn!(%task_uuid, %error, "could not read a finished task; its rows follow on the next read"),
    }
}

/// Sets the status of the rows owning a task that has ended (idempotent; running tasks change
/// nothing).
pub async fn apply_task_state(state: &AppState, task: &Task) {
    let Some(status) = row_status_for(&task.status) else { return };
    let error = (status == "failed").then(|| task.error.clone().unwrap_or_else(|| "the task failed".into()));
    for table in [Table::Orders, Table::AnalyticsJobs, Table::ServiceRequests] {
        let updated = sqlx::query(&format!(
            "UPDATE app.{} SET status = $2, error = $3, updated_at = now() WHERE task_uuid = $1::uuid AND status IS DISTINCT FROM $2",
            table.name()
        ))
        .bind(&task.task_uuid)
        .bind(status)
        .bind(&error)
        .execute(&state.db)
        .await;
        if let Err(e) = updated {
            tracing::error!(table = table.name(), error = %e, "could not apply a task's end to its rows");
        }
    }
    if let Err(e) = crate::workflows::team_scaling::refresh_checks_for_task(state, task).await {
        tracing::error!(error = %e, "could not apply a task's end to its compliance check");
    }
}
