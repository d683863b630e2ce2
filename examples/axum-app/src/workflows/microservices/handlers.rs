//! The five step handlers of `microservices_rs/user_request`; the two fetch steps call the
//! downstream services over HTTP (404 permanent; 5xx, 429 and timeouts retryable).

use std::time::Duration;

use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::{json, Value};
use sqlx::Row;
use tasker_worker::{NoDeps, StepContext, StepError};

use super::logic::{self, OrderHistory, UserProfile};
use crate::services::REQUEST_ID_HEADER;
use crate::state::AppState;

/// The context every user_request task is created with.
#[derive(Debug, Clone, Deserialize)]
pub struct RequestContext {
    /// The service request's row id.
    pub service_request_id: i32,
    /// The customer.
    pub user_id: String,
    /// `profile_summary`, `order_summary` or `full_report`.
    pub request_type: String,
}

/// The x-request-id the fetch steps send, so downstream logs (and faults) are per request.
fn request_id(ctx: &RequestContext) -> String {
    format!("service-request-{}", ctx.service_request_id)
}

/// `handler.initialization.call_timeout_ms`, else 5 s.
fn call_timeout(ctx: &StepContext) -> Duration {
    Duration::from_millis(ctx.init_value("call_timeout_ms").and_then(Value::as_u64).filter(|n| *n > 0).unwrap_or(5_000))
}

/// Calls a downstream service and turns every failure into a step error: a 404 or other client
/// error can never succeed on retry (permanent); a 5xx, 429, timeout or unreachable host may.
pub async fn call_downstream<T: DeserializeOwned>(state: &AppState, service: &str, url: &str, timeout: Duration, request_id: &str) -> Result<T, StepError> {
    let metadata = json!({ "service": service, "url": url });
    let response = state.http.get(url).header("accept", "application/json").header(REQUEST_ID_HEADER, request_id).timeout(timeout).send().await.map_err(|e| {
        if e.is_timeout() {
            StepError::retryable(format!("{service} did not answer within {} ms ({url})", timeout.as_millis()))
                .code("downstream_timeout")
                .metadata(json!({ "service": service, "url": url, "timeout_ms": timeout.as_millis() as u64 }))
        } else {
            StepError::retryable(format!("{service} is unreachable at {url}: {e}")).code("downstream_unreachable").metadata(metadata.clone())
        }
    })?;
    let status = response.status().as_u16();
    let retry_after = response.headers().get("retry-after").and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<u64>().ok());
    let body = response.text().await.map_err(|e| StepError::retryable(format!("reading {service}'s answer failed: {e}")).code("downstream_unreachable"))?;
    if !(200..300).contains(&status) {
        let detail = serde_json::from_str::<Value>(&body).ok().and_then(|v| v["error"].as_str().map(|s| format!(": {s}"))).unwrap_or_default();
        let metadata = json!({ "service": service, "url": url, "status": status });
        return Err(if status == 404 {
            StepError::permanent(format!("{service} has no such resource (404 {url}){detail}")).code("downstream_not_found").metadata(metadata)
        } else if status >= 500 || status == 429 || status == 408 {
            let error = StepError::retryable(format!("{service} is unavailable ({status} {url}){detail}")).code("downstream_unavailable").metadata(metadata);
            match retry_after {
                Some(seconds) => error.retry_after(Duration::from_secs(seconds)),
                None => error,
            }
        } else {
            StepError::permanent(format!("{service} rejected the request ({status} {url}){detail}")).code("downstream_rejected").metadata(metadata)
        });
    }
    let json: Value = serde_json::from_str(&body).map_err(|_| {
        StepError::retryable(format!("{service} answered {status} with a body that is not JSON ({url})")).code("downstream_invalid_response").metadata(metadata.clone())
    })?;
    // A contract mismatch will not fix itself by retrying.
    decode_contract(json).map_err(|e| {
        StepError::permanent(format!("{service} answered with an unexpected shape: {e}")).code("downstream_contract_violation").metadata(metadata)
    })
}

fn decode_contract<T: DeserializeOwned>(json: Value) -> Result<T, serde_json::Error> {
    serde_json::from_value(json)
}

/// validate_request: the task's context must describe the service_requests row it belongs to.
pub async fn validate_request(state: AppState, _ctx: StepContext, input: RequestContext, _deps: NoDeps) -> Result<Value, StepError> {
    let row = sqlx::query("SELECT id, user_id, request_type FROM app.service_requests WHERE id = $1").bind(input.service_request_id).fetch_optional(&state.db).await?;
    let Some(row) = row else {
        return Err(StepError::permanent(format!("service request {} does not exist in service_requests", input.service_request_id)).code("service_request_not_found"));
    };
    let (user_id, request_type): (String, String) = (row.try_get("user_id")?, row.try_get("request_type")?);
    if user_id != input.user_id || request_type != input.request_type {
        return Err(StepError::permanent(format!(
            "task context ({}, {}) does not match service request {} ({user_id}, {request_type})",
            input.user_id, input.request_type, input.service_request_id
        ))
        .code("context_mismatch"));
    }
    Ok(json!({ "service_request_id": input.service_request_id, "user_id": user_id, "request_type": request_type, "valid": true }))
}

fn path_segment(raw: &str) -> String {
    raw.bytes().map(|b| if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) { char::from(b).to_string() } else { format!("%{b:02X}") }).collect()
}

/// fetch_user_profile: GET {services}/users/{id}.
pub async fn fetch_user_profile(state: AppState, ctx: StepContext, input: RequestContext, _deps: NoDeps) -> Result<Value, StepError> {
    let url = format!("{}/users/{}", state.services_base, path_segment(&input.user_id));
    let profile: UserProfile = call_downstream(&state, "user_profiles", &url, call_timeout(&ctx), &request_id(&input)).await?;
    Ok(json!({ "service": "user_profiles", "profile": profile, "attempt": ctx.attempt }))
}

/// fetch_order_history: GET {services}/users/{id}/orders, in parallel with the profile.
pub async fn fetch_order_history(state: AppState, ctx: StepContext, input: RequestContext, _deps: NoDeps) -> Result<Value, StepError> {
    let url = format!("{}/users/{}/orders", state.services_base, path_segment(&input.user_id));
    let history: OrderHistory = call_downstream(&state, "order_history", &url, call_timeout(&ctx), &request_id(&input)).await?;
    Ok(crate::workflows::data_pipeline::analysis::js_numbers(json!({ "service": "order_history", "user_id": history.user_id, "orders": history.orders, "attempt": ctx.attempt })))
}

/// fetch_user_profile's result.
#[derive(Debug, Deserialize)]
pub struct ProfileResult {
    /// The profile.
    pub profile: UserProfile,
}

/// What merge_results reads.
#[derive(Debug, Deserialize)]
pub struct MergeDeps {
    /// fetch_user_profile's result.
    pub fetch_user_profile: ProfileResult,
    /// fetch_order_history's result.
    pub fetch_order_history: OrderHistory,
}

/// merge_results: profile + order statistics.
pub async fn merge_results(_ctx: StepContext, _input: NoDeps, deps: MergeDeps) -> Result<Value, StepError> {
    logic::merge(&deps.fetch_user_profile.profile, &deps.fetch_order_history).map_err(|m| StepError::permanent(m).code("inconsistent_downstream_data"))
}

/// `{merge_results}`.
#[derive(Debug, Deserialize)]
pub struct FormatDeps {
    /// merge_results' view.
    pub merge_results: Value,
}

/// format_response: shapes the answer and saves it on the service request (writing the same
/// result again is harmless, so a retry is idempotent).
pub async fn format_response(state: AppState, _ctx: StepContext, input: RequestContext, deps: FormatDeps) -> Result<Value, StepError> {
    let response = logic::format_response(&input.request_type, &deps.merge_results);
    let saved = sqlx::query("UPDATE app.service_requests SET result = $2, updated_at = now() WHERE id = $1 RETURNING id")
        .bind(input.service_request_id)
        .bind(&response)
        .fetch_optional(&state.db)
        .await?;
    if saved.is_none() {
        return Err(StepError::permanent(format!("service request {} disappeared before its result was saved", input.service_request_id)).code("service_request_not_found"));
    }
    Ok(json!({ "service_request_id": input.service_request_id, "request_type": input.request_type, "response": response }))
}
