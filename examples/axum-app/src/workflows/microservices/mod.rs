//! Workflow 3: microservices coordination (namespace `microservices_rs`, template
//! `user_request`), a diamond:
//! validate_request -> (fetch_user_profile | fetch_order_history) -> merge_results -> format_response

pub mod handlers;
pub mod logic;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{json, Value};
use tasker_worker::{typed_fn, typed_fn_with, HandlerRegistry, TaskRequest};

use crate::http::{ApiError, Issues, JsonObject};
use crate::rows::{self, NewRow, Table, RETURNING_NEW_ROW};
use crate::state::AppState;

/// The namespace.
pub const NAMESPACE: &str = "microservices_rs";
/// The request types.
pub const REQUEST_TYPES: [&str; 3] = ["profile_summary", "order_summary", "full_report"];

/// The step handlers.
pub fn handlers(state: &AppState) -> HandlerRegistry {
    let s = state.clone();
    HandlerRegistry::new()
        .with(typed_fn_with(s.clone(), "microservices_rs.validate_request", handlers::validate_request))
        .with(typed_fn_with(s.clone(), "microservices_rs.fetch_user_profile", handlers::fetch_user_profile))
        .with(typed_fn_with(s.clone(), "microservices_rs.fetch_order_history", handlers::fetch_order_history))
        .with(typed_fn("microservices_rs.merge_results", handlers::merge_results))
        .with(typed_fn_with(s, "microservices_rs.format_response", handlers::format_response))
}

/// `POST /services/requests`, `GET /services/requests/{id}` (the services themselves are in
/// [`crate::services`]).
pub fn routes() -> Router<AppState> {
    Router::new().route("/services/requests", post(create_request)).route("/services/requests/{id}", get(get_request))
}

async fn create_request(State(state): State<AppState>, JsonObject(body): JsonObject) -> Result<(StatusCode, Json<Value>), ApiError> {
    let mut issues = Issues::default();
    issues.strict(&body, &["user_id", "request_type"], "");
    let user_id = issues.string(&body, "user_id", "user_id", 1, 64);
    if user_id.as_deref().is_some_and(|u| !u.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')) {
        issues.add("user_id", "user_id may only contain letters, digits, '-' and '_'");
    }
    let request_type = match body.get("request_type").and_then(Value::as_str) {
        Some(t) if REQUEST_TYPES.contains(&t) => Some(t.to_owned()),
        _ => {
            issues.add("request_type", format!("request_type must be one of {}", REQUEST_TYPES.join(", ")));
            None
        }
    };
    issues.finish()?;
    let (user_id, request_type) = (user_id.unwrap_or_default(), request_type.unwrap_or_default());
    let row = sqlx::query(&format!("INSERT INTO app.service_requests (user_id, request_type, status) VALUES ($1, $2, 'pending') {RETURNING_NEW_ROW}"))
        .bind(&user_id)
        .bind(&request_type)
        .fetch_one(&state.db)
        .await?;
    let row = NewRow::from_row(Table::ServiceRequests, &row)?;
    let request = TaskRequest::new(NAMESPACE, "user_request")
        .version("1.0.0")
        .context(json!({ "service_request_id": row.id, "user_id": user_id, "request_type": request_type }))
        .initiator("axum-app")
        .source_system("axum-app")
        .reason(format!("service request {}: {request_type} for {user_id}", row.id))
        .tag("microservices")
        .tag(&request_type);
    let launched = rows::launch_task_for_row(&state, Table::ServiceRequests, &row, request, false).await;
    rows::created_response(&state, Table::ServiceRequests, &row, launched).await
}

async fn get_request(State(state): State<AppState>, Path(id): Path<String>) -> Result<Json<Value>, ApiError> {
    rows::respond_with_row_and_task(&state, Table::ServiceRequests, &id).await
}
