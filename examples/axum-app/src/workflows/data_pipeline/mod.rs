//! Workflow 2: data pipeline analytics (namespace `data_pipeline_rs`, template
//! `analytics_pipeline`), fan-out / fan-in:
//! ingest_data -> (validate_schema | enrich_metadata | detect_anomalies) -> aggregate_results ->
//! generate_report -> notify_stakeholders -> archive_results

pub mod analysis;
pub mod dataset;
pub mod handlers;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{json, Value};
use tasker_worker::{typed_fn_with, HandlerRegistry, TaskRequest};

use crate::http::{ApiError, Issues, JsonObject};
use crate::rows::{self, NewRow, Table, RETURNING_NEW_ROW};
use crate::state::AppState;

/// The namespace.
pub const NAMESPACE: &str = "data_pipeline_rs";

/// The step handlers.
pub fn handlers(state: &AppState) -> HandlerRegistry {
    let s = state.clone();
    HandlerRegistry::new()
        .with(typed_fn_with(s.clone(), "data_pipeline_rs.ingest_data", handlers::ingest_data))
        .with(typed_fn_with(s.clone(), "data_pipeline_rs.validate_schema", handlers::validate_schema))
        .with(typed_fn_with(s.clone(), "data_pipeline_rs.enrich_metadata", handlers::enrich_metadata))
        .with(typed_fn_with(s.clone(), "data_pipeline_rs.detect_anomalies", handlers::detect_anomalies))
        .with(typed_fn_with(s.clone(), "data_pipeline_rs.aggregate_results", handlers::aggregate_results))
        .with(typed_fn_with(s.clone(), "data_pipeline_rs.generate_report", handlers::generate_report))
        .with(typed_fn_with(s.clone(), "data_pipeline_rs.notify_stakeholders", handlers::notify_stakeholders))
        .with(typed_fn_with(s, "data_pipeline_rs.archive_results", handlers::archive_results))
}

/// `POST /analytics/jobs`, `GET /analytics/jobs/{id}`.
pub fn routes() -> Router<AppState> {
    Router::new().route("/analytics/jobs", post(create_job)).route("/analytics/jobs/{id}", get(get_job))
}

async fn create_job(State(state): State<AppState>, JsonObject(body): JsonObject) -> Result<(StatusCode, Json<Value>), ApiError> {
    let mut issues = Issues::default();
    issues.strict(&body, &["source", "dataset_url"], "");
    let source = issues.string(&body, "source", "source", 1, 200);
    if source.as_deref().is_some_and(|s| !s.chars().all(|c| c.is_alphanumeric() || " ._:/@-".contains(c))) {
        issues.add("source", "source may contain letters, digits, spaces and . _ - : / @");
    }
    let dataset_url = issues.optional_string(&body, "dataset_url", "dataset_url", 1, 2048);
    if let Some(url) = &dataset_url {
        if !(url.starts_with("file://") || url.starts_with("http://") || url.starts_with("https://")) {
            issues.add("dataset_url", "dataset_url must start with file://, http:// or https://");
        } else if let Some(problem) = dataset::dataset_url_problem(url, &state.dataset_dir) {
            issues.add("dataset_url", format!("dataset_url {problem}"));
        }
    }
    issues.finish()?;
    let source = source.unwrap_or_default();
    let row = sqlx::query(&format!("INSERT INTO app.analytics_jobs (source, dataset_url) VALUES ($1, $2) {RETURNING_NEW_ROW}"))
        .bind(&source)
        .bind(&dataset_url)
        .fetch_one(&state.db)
        .await?;
    let row = NewRow::from_row(Table::AnalyticsJobs, &row)?;
    let request = TaskRequest::new(NAMESPACE, "analytics_pipeline")
        .version("1.0.0")
        .context(json!({ "job_id": row.id, "source": source, "dataset_url": dataset_url }))
        .source_system("axum-app")
        .reason(format!("analytics job #{} ({source})", row.id))
        .tag("analytics")
        .tag(format!("analytics_job:{}", row.id));
    let launched = rows::launch_task_for_row(&state, Table::AnalyticsJobs, &row, request, false).await;
    rows::created_response(&state, Table::AnalyticsJobs, &row, launched).await
}

async fn get_job(State(state): State<AppState>, Path(id): Path<String>) -> Result<Json<Value>, ApiError> {
    rows::respond_with_row_and_task(&state, Table::AnalyticsJobs, &id).await
}
