//! Workflow 4: team scaling with namespace isolation. One compliance check = two tasks with one
//! correlation id, in two namespaces with their own queues (each can have its own worker):
//!   sales_rs/quote_generation:       receive_order -> validate_items -> calculate_shipping -> apply_discounts -> generate_quote
//!   compliance_rs/compliance_review: check_compliance -> verify_tax_rules -> audit_log -> compliance_report

pub mod handlers;
pub mod rules;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{json, Map, Value};
use sqlx::Row;
use tasker_worker::{typed_fn, typed_fn_with, HandlerRegistry, Task, TaskRequest};

use crate::http::{order_lines, parse_row_id, ApiError, Issues, JsonObject};
use crate::rows::{self, NewRow, Table, RETURNING_NEW_ROW};
use crate::state::AppState;
use handlers::{CheckContext, Destination};
use rules::Line;

/// Team A's namespace.
pub const SALES: &str = "sales_rs";
/// Team B's namespace.
pub const COMPLIANCE: &str = "compliance_rs";
/// The teams, as `task_uuids` keys (the same in every app), with their namespace and template.
pub const TEAMS: [(&str, &str, &str); 2] = [("sales", SALES, "quote_generation"), ("compliance", COMPLIANCE, "compliance_review")];

/// Both teams' handlers.
pub fn handlers(state: &AppState) -> HandlerRegistry {
    let s = state.clone();
    HandlerRegistry::new()
        .with(typed_fn_with(s.clone(), "sales_rs.receive_order", handlers::receive_order))
        .with(typed_fn_with(s.clone(), "sales_rs.validate_items", handlers::validate_items))
        .with(typed_fn("sales_rs.calculate_shipping", handlers::calculate_shipping))
        .with(typed_fn_with(s.clone(), "sales_rs.apply_discounts", handlers::apply_discounts))
        .with(typed_fn_with(s.clone(), "sales_rs.generate_quote", handlers::generate_quote))
        .with(typed_fn_with(s.clone(), "compliance_rs.check_compliance", handlers::check_compliance))
        .with(typed_fn_with(s.clone(), "compliance_rs.verify_tax_rules", handlers::verify_tax_rules))
        .with(typed_fn_with(s.clone(), "compliance_rs.audit_log", handlers::audit_log))
        .with(typed_fn_with(s, "compliance_rs.compliance_report", handlers::compliance_report))
}

/// `POST /compliance/checks`, `GET /compliance/checks/{id}`.
pub fn routes() -> Router<AppState> {
    Router::new().route("/compliance/checks", post(create_check)).route("/compliance/checks/{id}", get(get_check))
}

fn validate(body: &Map<String, Value>) -> Result<(CheckContext, String), ApiError> {
    let mut issues = Issues::default();
    issues.strict(body, &["order_ref", "items", "destination", "coupon_code", "namespace", "customer_id"], "");
    let order_ref = issues.string(body, "order_ref", "order_ref", 1, 100);
    let items = order_lines(&mut issues, body, false);
    let destination = match body.get("destination") {
        Some(Value::Object(d)) => {
            issues.strict(d, &["country", "region"], "destination");
            let country = issues.string(d, "country", "destination.country", 1, 2).map(|c| c.to_uppercase());
            if country.as_deref().is_some_and(|c| c.len() != 2 || !c.bytes().all(|b| b.is_ascii_uppercase())) {
                issues.add("destination.country", "country must be an ISO 3166-1 alpha-2 code such as US or DE");
            }
            let region = issues.optional_string(d, "region", "destination.region", 1, 64);
            country.map(|country| Destination { country, region })
        }
        _ => {
            issues.add("destination", "destination is required: {country, region}");
            None
        }
    };
    let coupon_code = issues.optional_string(body, "coupon_code", "coupon_code", 1, 32).map(|c| c.to_uppercase());
    let namespace = issues.optional_string(body, "namespace", "namespace", 1, 29);
    if namespace.as_deref().is_some_and(|n| !n.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')) {
        issues.add("namespace", "namespace must be 1-29 characters of letters, digits and _");
    }
    let customer_id = issues.optional_string(body, "customer_id", "customer_id", 1, 64);
    issues.finish()?;
    let context = CheckContext {
        check_id: 0,
        order_ref: order_ref.unwrap_or_default(),
        items: items.into_iter().map(|(sku, quantity)| Line { sku, quantity }).collect(),
        destination: destination.unwrap_or(Destination { country: String::new(), region: None }),
        coupon_code,
        customer_id,
    };
    Ok((context, namespace.unwrap_or_else(|| "default".into())))
}

async fn create_check(State(state): State<AppState>, JsonObject(body): JsonObject) -> Result<(StatusCode, Json<Value>), ApiError> {
    let (mut context, namespace) = validate(&body)?;
    let row = sqlx::query(&format!(
        "INSERT INTO app.compliance_checks (order_ref, namespace, status, correlation_id, items, destination, coupon_code, customer_id)
         VALUES ($1, $2, 'pending', gen_random_uuid()::text, $3, $4, $5, $6) {RETURNING_NEW_ROW}, correlation_id"
    ))
    .bind(&context.order_ref)
    .bind(&namespace)
    .bind(serde_json::to_value(&context.items).unwrap_or_default())
    .bind(serde_json::to_value(&context.destination).unwrap_or_default())
    .bind(&context.coupon_code)
    .bind(&context.customer_id)
    .fetch_one(&state.db)
    .await?;
    let correlation_id: String = row.try_get("correlation_id")?;
    let row = NewRow::from_row(Table::ComplianceChecks, &row)?;
    context.check_id = row.id;
    launch_check_tasks(&state, &row, &context, &correlation_id).await?;
    let stored = rows::row_json(&state, Table::ComplianceChecks, row.id).await?.unwrap_or(Value::Null);
    Ok((StatusCode::CREATED, Json(stored)))
}

/// Creates both tasks. If the engine refuses either, the one already created is cancelled (half
/// a check is no check) and the row is marked `failed` with the reason.
async fn launch_check_tasks(state: &AppState, row: &NewRow, context: &CheckContext, correlation_id: &str) -> Result<(), ApiError> {
    let requests = TEAMS.map(|(team, namespace, template)| {
        let request = TaskRequest::new(namespace, template)
            .version("1.0.0")
            .context(context)
            .correlation_id(correlation_id)
            .idempotency_key(format!("{}-{namespace}", row.idempotency_key))
            .initiator("axum-app")
            .source_system("axum-app")
            .reason(format!("compliance check {} for order {}", row.id, context.order_ref))
            .tag("team-scaling")
            .tag(namespace);
        (team, request)
    });
    let (sales, compliance) = tokio::join!(state.tasker.create_task(&requests[0].1), state.tasker.create_task(&requests[1].1));
    let mut created: Map<String, Value> = Map::new();
    let mut refused = None;
    for ((team, _), result) in requests.iter().zip([sales, compliance]) {
        match result {
            Ok(task) => {
                created.insert((*team).to_owned(), json!(task.task.task_uuid));
            }
            Err(error) => refused = Some(error),
        }
    }
    if let Some(error) = refused {
        let failure = rows::classify(&error);
        tracing::warn!(check_id = row.id, %error, "the engine did not accept a compliance check task");
        for uuid in created.values().filter_map(Value::as_str) {
            let reason = format!("compliance check {}: the other team's task was refused", row.id);
            if let Err(e) = state.tasker.cancel_task(uuid, Some(&reason)).await {
                tracing::warn!(task_uuid = uuid, error = %e, "could not cancel the orphaned task");
            }
        }
        sqlx::query("UPDATE app.compliance_checks SET status = 'failed', error = $2, task_uuids = $3, updated_at = now() WHERE id = $1")
            .bind(row.id)
            .bind(&failure.message)
            .bind(Value::Object(created))
            .execute(&state.db)
            .await?;
        return Err(rows::failure_response(&failure, Some((row.id, "failed"))));
    }
    sqlx::query("UPDATE app.compliance_checks SET task_uuids = $2, task_uuid = ($2->>'compliance')::uuid, status = 'processing', updated_at = now() WHERE id = $1")
        .bind(row.id)
        .bind(Value::Object(created))
        .execute(&state.db)
        .await?;
    // Both tasks may already have ended before their uuids were stored.
    refresh_check(state, row.id, None).await?;
    Ok(())
}

/// Recomputes a check's status from its tasks' states and writes it when terminal; `known` is a
/// task already read. Returns whether the row changed.
pub async fn refresh_check(state: &AppState, check_id: i32, known: Option<&Task>) -> Result<bool, sqlx::Error> {
    let Some(row) = sqlx::query("SELECT status, task_uuids FROM app.compliance_checks WHERE id = $1").bind(check_id).fetch_optional(&state.db).await? else {
        return Ok(false);
    };
    let current: String = row.try_get("status")?;
    let uuids: Value = row.try_get("task_uuids")?;
    let Some(uuids) = uuids.as_object().filter(|m| m.len() == TEAMS.len()) else { return Ok(false) };
    let mut states: Vec<(String, String, Option<String>)> = Vec::new();
    for (team, uuid) in uuids {
        let uuid = uuid.as_str().unwrap_or_default();
        let task = match known.filter(|t| t.task_uuid == uuid) {
            Some(task) => task.clone(),
            None => match state.tasker.get_task(uuid).await {
                Ok(task) => task,
                Err(_) => return Ok(false),
            },
        };
        states.push((team.clone(), task.status.clone(), task.error.clone()));
    }
    let status = rules::check_status_for(&states.iter().map(|(_, s, _)| s.as_str()).collect::<Vec<_>>());
    if !["completed", "failed", "cancelled"].contains(&status) || status == current {
        return Ok(false);
    }
    let error = (status == "failed").then(|| {
        states
            .iter()
            .filter(|(_, s, _)| s == "error")
            .map(|(team, _, e)| format!("{team} task failed: {}", e.as_deref().unwrap_or("no reason given")))
            .collect::<Vec<_>>()
            .join("; ")
    });
    sqlx::query("UPDATE app.compliance_checks SET status = $2, error = $3, updated_at = now() WHERE id = $1").bind(check_id).bind(status).bind(error).execute(&state.db).await?;
    Ok(true)
}

/// The finished hook's part: the check owning this task follows both of its tasks.
pub async fn refresh_checks_for_task(state: &AppState, task: &Task) -> Result<(), sqlx::Error> {
    if ![SALES, COMPLIANCE].contains(&task.namespace.as_str()) {
        return Ok(());
    }
    let ids: Vec<i32> = sqlx::query_scalar("SELECT id FROM app.compliance_checks WHERE correlation_id = $1 AND task_uuids ? 'compliance'")
        .bind(&task.correlation_id)
        .fetch_all(&state.db)
        .await?;
    for id in ids {
        refresh_check(state, id, Some(task)).await?;
    }
    Ok(())
}

async fn get_check(State(state): State<AppState>, Path(id): Path<String>) -> Result<Json<Value>, ApiError> {
    let id = parse_row_id(&id, "compliance check")?;
    let Some(row) = rows::row_json(&state, Table::ComplianceChecks, id).await? else {
        return Err(ApiError::not_found(format!("compliance check {id} not found")));
    };
    let mut tasks = Map::new();
    if let Some(uuids) = row["task_uuids"].as_object() {
        for (team, uuid) in uuids {
            let summary = rows::task_summary_for(&state, uuid.as_str()).await;
            tasks.insert(team.clone(), summary.get("task").cloned().unwrap_or(Value::Null));
        }
    }
    let primary = rows::task_summary_for(&state, row["task_uuid"].as_str()).await;
    let mut row = rows::row_json(&state, Table::ComplianceChecks, id).await?.unwrap_or(row);
    if let Value::Object(map) = &mut row {
        map.extend(primary);
        // Both teams' tasks by team: {sales: {...}, compliance: {...}}.
        map.insert("tasks".into(), Value::Object(tasks));
    }
    Ok(Json(row))
}
