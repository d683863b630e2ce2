//! Workflow 1: e-commerce order processing (namespace `ecommerce_rs`, template
//! `order_processing` 1.0.0), linear:
//! validate_inventory -> process_payment -> update_inventory -> send_confirmation -> generate_invoice

pub mod handlers;
pub mod pricing;

use std::time::Duration;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{json, Map, Value};
use tasker_worker::{typed_fn_with, HandlerRegistry, TaskRequest};

use crate::http::{order_lines, ApiError, Issues, JsonObject};
use crate::jobs::{Job, JobOptions};
use crate::rows::{self, NewRow, Table, RETURNING_NEW_ROW};
use crate::state::AppState;
use handlers::PaymentInfo;

/// The namespace.
pub const NAMESPACE: &str = "ecommerce_rs";
/// The queue of `POST /orders/async`.
pub const INTAKE_QUEUE: &str = "task-intake-orders";

/// The step handlers.
pub fn handlers(state: &AppState) -> HandlerRegistry {
    let s = state.clone();
    HandlerRegistry::new()
        .with(typed_fn_with(s.clone(), "ecommerce_rs.validate_inventory", handlers::validate_inventory))
        .with(typed_fn_with(s.clone(), "ecommerce_rs.process_payment", handlers::process_payment))
        .with(typed_fn_with(s.clone(), "ecommerce_rs.update_inventory", handlers::update_inventory))
        .with(typed_fn_with(s.clone(), "ecommerce_rs.send_confirmation", handlers::send_confirmation))
        .with(typed_fn_with(s, "ecommerce_rs.generate_invoice", handlers::generate_invoice))
}

/// `POST /orders`, `POST /orders/async`, `GET /orders/{id}`.
pub fn routes() -> Router<AppState> {
    Router::new().route("/orders", post(create_order)).route("/orders/async", post(create_order_async)).route("/orders/{id}", get(get_order))
}

/// A valid `POST /orders` body.
struct CreateOrder {
    customer_email: String,
    items: Vec<(String, i64)>,
    payment_info: PaymentInfo,
}

fn is_email(s: &str) -> bool {
    let Some((local, domain)) = s.split_once('@') else { return false };
    !local.is_empty()
        && !domain.contains('@')
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !s.chars().any(char::is_whitespace)
}

fn validate(body: &Map<String, Value>) -> Result<CreateOrder, ApiError> {
    let mut issues = Issues::default();
    // Prices come from the catalog; a client-sent total is a mistake worth reporting.
    issues.strict(body, &["customer_email", "items", "payment_info"], "");
    let email = issues.string(body, "customer_email", "customer_email", 1, 320);
    if email.as_deref().is_some_and(|e| !is_email(e)) {
        issues.add("customer_email", "customer_email must be an email address");
    }
    let items = order_lines(&mut issues, body, true);
    let payment = match body.get("payment_info") {
        Some(Value::Object(p)) => {
            if p.get("method") != Some(&json!("card")) {
                issues.add("payment_info.method", "method must be \"card\"");
            }
            match p.get("token") {
                Some(Value::String(t)) if !t.is_empty() && t.chars().count() <= 255 => Some(t.clone()),
                _ => {
                    issues.add("payment_info.token", "token is required, e.g. tok_visa");
                    None
                }
            }
        }
        _ => {
            issues.add("payment_info", "payment_info is required: {method: \"card\", token}");
            None
        }
    };
    issues.finish()?;
    Ok(CreateOrder {
        customer_email: email.unwrap_or_default(),
        items,
        payment_info: PaymentInfo { method: "card".into(), token: payment.unwrap_or_default() },
    })
}

/// Inserts the order priced from the catalog (left unpriced when a sku is unknown: the task's
/// validate_inventory step then fails it, naming the sku).
async fn insert_order(state: &AppState, order: &CreateOrder, status: &str) -> Result<NewRow, ApiError> {
    let skus: Vec<String> = order.items.iter().map(|(s, _)| s.clone()).collect();
    let catalog = handlers::load_catalog(&state.db, &skus).await?;
    let priced = pricing::price_order(&order.items, &catalog);
    let items: Vec<Value> = order.items.iter().map(|(sku, q)| json!({ "sku": sku, "quantity": q })).collect();
    let row = sqlx::query(&format!(
        "INSERT INTO app.orders (customer_email, items, subtotal, tax, shipping, total, status)
         VALUES ($1, $2, $3::float8, $4::float8, $5::float8, $6::float8, $7) {RETURNING_NEW_ROW}"
    ))
    .bind(&order.customer_email)
    .bind(Value::Array(items))
    .bind(priced.as_ref().map(|p| p.subtotal))
    .bind(priced.as_ref().map(|p| p.tax))
    .bind(priced.as_ref().map(|p| p.shipping))
    .bind(priced.as_ref().map(|p| p.total))
    .bind(status)
    .fetch_one(&state.db)
    .await?;
    Ok(NewRow::from_row(Table::Orders, &row)?)
}

/// The order_processing task for a stored order; payment details travel only in the context.
fn task_request(id: i32, customer_email: &str, items: Value, payment_info: &PaymentInfo) -> TaskRequest {
    TaskRequest::new(NAMESPACE, "order_processing")
        .version("1.0.0")
        .context(json!({ "order_id": id, "customer_email": customer_email, "items": items, "payment_info": payment_info }))
        .initiator(customer_email)
        .source_system("axum-app")
        .reason(format!("order #{id} placed"))
        .tag("order")
        .tag(format!("order:{id}"))
}

async fn create_order(State(state): State<AppState>, JsonObject(body): JsonObject) -> Result<(StatusCode, Json<Value>), ApiError> {
    let order = validate(&body)?;
    let row = insert_order(&state, &order, "pending").await?;
    let items: Vec<Value> = order.items.iter().map(|(sku, q)| json!({ "sku": sku, "quantity": q })).collect();
    let request = task_request(row.id, &order.customer_email, Value::Array(items), &order.payment_info);
    let launched = rows::launch_task_for_row(&state, Table::Orders, &row, request, false).await;
    rows::created_response(&state, Table::Orders, &row, launched).await
}

/// Accept now, start the task in the background: 202 `{id, status: "queued"}` at once, and a
/// job creates the task (retrying while the engine is unavailable).
async fn create_order_async(State(state): State<AppState>, JsonObject(body): JsonObject) -> Result<(StatusCode, Json<Value>), ApiError> {
    let order = validate(&body)?;
    let row = insert_order(&state, &order, "queued").await?;
    let data = json!({ "id": row.id, "key": row.idempotency_key, "payment_info": order.payment_info });
    let options = JobOptions { attempts: 5, backoff: Duration::from_secs(1), job_id: Some(format!("orders-{}", row.id)) };
    if let Err(error) = state.jobs.add(INTAKE_QUEUE, data, options) {
        let message = format!("could not queue the work: {error}");
        rows::update_row(&state, Table::Orders, row.id, "failed", Some(&message), None).await?;
        let mut answer = ApiError::new(StatusCode::SERVICE_UNAVAILABLE, message).with(Map::from_iter([("id".into(), json!(row.id)), ("status".into(), json!("failed"))]));
        answer.retry_after = Some(5);
        return Err(answer);
    }
    Ok((StatusCode::ACCEPTED, Json(json!({ "id": row.id, "status": "queued" }))))
}

/// The async intake job: creates the queued order's task.
pub fn register_jobs(state: &AppState) {
    let state = state.clone();
    state.jobs.clone().process(INTAKE_QUEUE, 4, move |job: Job| {
        let state = state.clone();
        async move { intake(&state, &job).await }
    });
}

async fn intake(state: &AppState, job: &Job) -> Result<(), String> {
    let id = job.data["id"].as_i64().unwrap_or_default() as i32;
    let key = job.data["key"].as_str().unwrap_or_default().to_owned();
    let payment: PaymentInfo = serde_json::from_value(job.data["payment_info"].clone()).map_err(|e| e.to_string())?;
    let row = sqlx::query_as::<_, (String, String, Value)>("SELECT status, customer_email, items FROM app.orders WHERE id = $1")
        .bind(id)
        .fetch_optional(&state.db)
        .await
        .map_err(|e| e.to_string())?;
    // Delivered twice, or the row moved on: nothing to do.
    let Some((status, email, items)) = row.filter(|(status, _, _)| status == "queued") else { return Ok(()) };
    let _ = status;
    let last = job.is_last_attempt();
    let launched = rows::launch_task_for_row(state, Table::Orders, &NewRow { id, idempotency_key: key }, task_request(id, &email, items, &payment), !last).await;
    match launched {
        // Failing makes the queue retry with backoff; the row stays `queued` meanwhile.
        Err(failure) if failure.transient && !last => Err(failure.message),
        _ => Ok(()),
    }
}

async fn get_order(State(state): State<AppState>, Path(id): Path<String>) -> Result<Json<Value>, ApiError> {
    rows::respond_with_row_and_task(&state, Table::Orders, &id).await
}

