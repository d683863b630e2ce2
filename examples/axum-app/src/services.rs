//! The internal downstream services the microservices workflow calls over HTTP: user profiles
//! (`customers`) and order history (`orders`), mounted at `/internal` (or hosted elsewhere:
//! `SERVICES_BASE_URL`).
//!
//! Deterministic fault: for `cust-004-flaky` the profile service answers 503 to the first call
//! of each request (`x-request-id`); "first" is decided in the database (a unique audit key),
//! so it holds when the step is retried by another worker process.

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{json, Value};
use sqlx::Row;

use crate::http::ApiError;
use crate::state::AppState;

/// Where the app mounts the services.
pub const INTERNAL_PATH: &str = "/internal";
/// The header naming the business request a call belongs to.
pub const REQUEST_ID_HEADER: &str = "x-request-id";
/// Customers whose profile call fails once per request.
pub const FLAKY_PROFILE_CUSTOMERS: [&str; 1] = ["cust-004-flaky"];

/// The services' routes (to nest at [`INTERNAL_PATH`]).
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/health", get(|| async { Json(json!({ "status": "ok" })) }))
        .route("/users/{user_id}", get(user_profile))
        .route("/users/{user_id}/orders", get(order_history))
}

fn check_user_id(user_id: &str) -> Result<(), ApiError> {
    let ok = (1..=64).contains(&user_id.len()) && user_id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if ok {
        Ok(())
    } else {
        Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            format!("user id {user_id:?} is malformed: use 1-64 letters, digits, '-' or '_' (e.g. cust-001)"),
        ))
    }
}

/// True exactly once per (customer, request id): the call that gets the simulated outage,
/// written to audit_logs so operators can see why it failed.
async fn claim_first_call_fault(state: &AppState, user_id: &str, request_id: Option<&str>) -> Result<bool, sqlx::Error> {
    let Some(request_id) = request_id.filter(|_| FLAKY_PROFILE_CUSTOMERS.contains(&user_id)) else { return Ok(false) };
    let inserted = sqlx::query(
        "INSERT INTO app.audit_logs (dedupe_key, entity_type, entity_id, action, actor, details)
         VALUES ($1, 'customer', $2, 'simulated_outage', 'user_profiles_service', $3)
         ON CONFLICT (dedupe_key) DO NOTHING RETURNING id",
    )
    .bind(format!("fault:user_profiles:first_call_503:{request_id}"))
    .bind(user_id)
    .bind(json!({ "request_id": request_id, "status": 503, "rule": "first call per request fails for flaky customers" }))
    .fetch_optional(&state.db)
    .await?;
    Ok(inserted.is_some())
}

async fn user_profile(State(state): State<AppState>, Path(user_id): Path<String>, headers: HeaderMap) -> Result<Json<Value>, ApiError> {
    check_user_id(&user_id)?;
    let request_id = headers.get(REQUEST_ID_HEADER).and_then(|v| v.to_str().ok());
    if claim_first_call_fault(&state, &user_id, request_id).await? {
        return Err(ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "user profile service is temporarily unavailable; retry the request"));
    }
    let customer = sqlx::query("SELECT id, name, email, tier, app.iso(created_at) AS member_since FROM app.customers WHERE id = $1")
        .bind(&user_id)
        .fetch_optional(&state.db)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("no customer with id {user_id}")))?;
    Ok(Json(json!({
        "user_id": customer.try_get::<String, _>("id")?,
        "name": customer.try_get::<String, _>("name")?,
        "email": customer.try_get::<String, _>("email")?,
        "tier": customer.try_get::<String, _>("tier")?,
        "member_since": customer.try_get::<String, _>("member_since")?,
    })))
}

async fn order_history(State(state): State<AppState>, Path(user_id): Path<String>) -> Result<Json<Value>, ApiError> {
    check_user_id(&user_id)?;
    let email: String = sqlx::query_scalar("SELECT email FROM app.customers WHERE id = $1")
        .bind(&user_id)
        .fetch_optional(&state.db)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("no customer with id {user_id}")))?;
    let rows = sqlx::query(
        "SELECT id, COALESCE(total, 0)::float8 AS total, status,
                (SELECT COALESCE(sum((i->>'quantity')::int), 0)::int8 FROM jsonb_array_elements(items) i) AS item_count,
                app.iso(created_at) AS created_at
         FROM app.orders WHERE customer_email = $1 ORDER BY created_at DESC, id DESC",
    )
    .bind(&email)
    .fetch_all(&state.db)
    .await?;
    let orders = rows
        .iter()
        .map(|o| {
            Ok(json!({
                "id": o.try_get::<i32, _>("id")?,
                // Orders whose price could not be computed (unknown sku) never charged anything.
                "total": o.try_get::<f64, _>("total")?,
                "status": o.try_get::<String, _>("status")?,
                "item_count": o.try_get::<i64, _>("item_count")?,
                "created_at": o.try_get::<String, _>("created_at")?,
            }))
        })
        .collect::<Result<Vec<Value>, sqlx::Error>>()?;
    Ok(Json(json!({ "user_id": user_id, "orders": orders })))
}
