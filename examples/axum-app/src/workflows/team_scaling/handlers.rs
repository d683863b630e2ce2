//! Team A's five handlers (`sales_rs/quote_generation`) and Team B's four
//! (`compliance_rs/compliance_review`).

use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use sqlx::Row;
use tasker_worker::{NoDeps, StepContext, StepError};

use super::rules::{self, from_cents, to_cents, Line};
use crate::state::AppState;

/// The context both teams' tasks get; the row id ties the steps back to the check.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CheckContext {
    /// The compliance check's row id.
    pub check_id: i32,
    /// The customer's order reference.
    pub order_ref: String,
    /// What.
    pub items: Vec<Line>,
    /// Where to.
    pub destination: Destination,
    /// A coupon.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub coupon_code: Option<String>,
    /// A customer whose tier earns a loyalty discount.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customer_id: Option<String>,
}

/// `{country (ISO-2), region}`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Destination {
    /// ISO 3166-1 alpha-2.
    pub country: String,
    /// A subdivision.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
}

struct Product {
    name: String,
    price: f64,
    stock: i64,
    weight_kg: f64,
    restricted: bool,
}

async fn products_by_sku(state: &AppState, skus: &[String]) -> Result<HashMap<String, Product>, sqlx::Error> {
    let rows = sqlx::query("SELECT sku, name, price::float8 AS price, stock::int8 AS stock, weight_kg::float8 AS weight_kg, restricted FROM app.products WHERE sku = ANY($1)")
        .bind(skus)
        .fetch_all(&state.db)
        .await?;
    rows.iter()
        .map(|r| {
            let product = Product { name: r.try_get("name")?, price: r.try_get("price")?, stock: r.try_get("stock")?, weight_kg: r.try_get("weight_kg")?, restricted: r.try_get("restricted")? };
            Ok((r.try_get("sku")?, product))
        })
        .collect()
}

/// Merges a check result part (`quote` / `compliance`) without reading it first: one UPDATE
/// with a jsonb merge, so the two teams never overwrite each other.
async fn merge_check_result(state: &AppState, check_id: i32, key: &str, value: &Value) -> Result<bool, sqlx::Error> {
    let updated = sqlx::query("UPDATE app.compliance_checks SET result = COALESCE(result, '{}'::jsonb) || $2, updated_at = now() WHERE id = $1 RETURNING id")
        .bind(check_id)
        .bind(json!({ key: value }))
        .fetch_optional(&state.db)
        .await?;
    Ok(updated.is_some())
}

// ---- Team A: sales ------------------------------------------------------------------------

/// receive_order's result.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ReceivedOrder {
    /// The check.
    pub check_id: i32,
    /// Its order reference.
    pub order_ref: String,
    /// One line per sku.
    pub lines: Vec<Line>,
    /// Units.
    pub total_units: i64,
    /// Where to.
    pub destination: Destination,
    /// Coupon.
    pub coupon_code: Option<String>,
    /// Customer.
    pub customer_id: Option<String>,
}

/// receive_order: acknowledges the order for its check, one line per sku.
pub async fn receive_order(state: AppState, _ctx: StepContext, input: CheckContext, _deps: NoDeps) -> Result<Value, StepError> {
    let exists = sqlx::query("SELECT id FROM app.compliance_checks WHERE id = $1").bind(input.check_id).fetch_optional(&state.db).await?;
    if exists.is_none() {
        return Err(StepError::permanent(format!("compliance check {} does not exist", input.check_id)).code("check_not_found"));
    }
    let (lines, total_units) = rules::normalize_lines(&input.items);
    Ok(serde_json::to_value(ReceivedOrder {
        check_id: input.check_id,
        order_ref: input.order_ref,
        lines,
        total_units,
        destination: input.destination,
        coupon_code: input.coupon_code,
        customer_id: input.customer_id,
    })?)
}

/// A priced quote line.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PricedLine {
    /// The sku.
    pub sku: String,
    /// Its name.
    pub name: String,
    /// Units.
    pub quantity: i64,
    /// Per unit.
    pub unit_price: f64,
    /// quantity x unit_price.
    pub line_total: f64,
    /// Per unit.
    pub weight_kg: f64,
    /// Whether it could ship today (a quote does not reserve stock).
    pub in_stock: bool,
}

/// validate_items' result.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ValidatedItems {
    /// Priced lines.
    pub lines: Vec<PricedLine>,
    /// Their sum.
    pub subtotal: f64,
    /// Units.
    pub total_units: i64,
    /// Every line in stock.
    pub all_in_stock: bool,
}

/// `{receive_order}`.
#[derive(Debug, Deserialize)]
pub struct ReceivedDeps {
    /// receive_order's result.
    pub receive_order: ReceivedOrder,
}

/// validate_items: prices every line from the catalog; an unknown sku ends the quote.
pub async fn validate_items(state: AppState, _ctx: StepContext, _input: NoDeps, deps: ReceivedDeps) -> Result<Value, StepError> {
    let order = deps.receive_order;
    let skus: Vec<String> = order.lines.iter().map(|l| l.sku.clone()).collect();
    let catalog = products_by_sku(&state, &skus).await?;
    let unknown: Vec<&String> = skus.iter().filter(|s| !catalog.contains_key(*s)).collect();
    if !unknown.is_empty() {
        let list = unknown.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(", ");
        return Err(StepError::permanent(format!("unknown sku{} {list}: not in the catalog (see GET /products)", if unknown.len() > 1 { "s" } else { "" }))
            .code("unknown_sku")
            .metadata(json!({ "skus": unknown })));
    }
    let lines: Vec<PricedLine> = order
        .lines
        .iter()
        .map(|l| {
            let p = &catalog[&l.sku];
            PricedLine {
                sku: l.sku.clone(),
                name: p.name.clone(),
                quantity: l.quantity,
                unit_price: p.price,
                line_total: from_cents(to_cents(p.price) * l.quantity),
                weight_kg: p.weight_kg,
                in_stock: p.stock >= l.quantity,
            }
        })
        .collect();
    let subtotal = from_cents(lines.iter().map(|l| to_cents(l.line_total)).sum());
    let all_in_stock = lines.iter().all(|l| l.in_stock);
    Ok(crate::workflows::data_pipeline::analysis::js_numbers(serde_json::to_value(ValidatedItems { lines, subtotal, total_units: order.total_units, all_in_stock })?))
}

/// `{receive_order, validate_items}`.
#[derive(Debug, Deserialize)]
pub struct ItemsDeps {
    /// receive_order's result.
    pub receive_order: ReceivedOrder,
    /// validate_items' result.
    pub validate_items: ValidatedItems,
}

/// calculate_shipping: total weight priced with the destination zone's rate card.
pub async fn calculate_shipping(_ctx: StepContext, _input: NoDeps, deps: ItemsDeps) -> Result<Value, StepError> {
    let country = &deps.receive_order.destination.country;
    let lines: Vec<(i64, f64)> = deps.validate_items.lines.iter().map(|l| (l.quantity, l.weight_kg)).collect();
    let mut result = json!({ "destination_country": country });
    if let (Some(out), Value::Object(shipping)) = (result.as_object_mut(), rules::calculate_shipping(&lines, country)) {
        out.extend(shipping);
    }
    Ok(crate::workflows::data_pipeline::analysis::js_numbers(result))
}

/// apply_discounts: volume, coupon (coupons table) and customer tier (customers table).
pub async fn apply_discounts(state: AppState, _ctx: StepContext, _input: NoDeps, deps: ItemsDeps) -> Result<Value, StepError> {
    let order = &deps.receive_order;
    let mut coupon: Option<(String, f64)> = None;
    if let Some(code) = &order.coupon_code {
        let row = sqlx::query("SELECT code, percent_off::float8 AS percent, active FROM app.coupons WHERE code = $1").bind(code).fetch_optional(&state.db).await?;
        match row {
            Some(r) if r.try_get::<bool, _>("active")? => coupon = Some((r.try_get("code")?, r.try_get("percent")?)),
            _ => {
                return Err(StepError::permanent(format!("coupon {code} is unknown or no longer active")).code("invalid_coupon").metadata(json!({ "coupon_code": code })))
            }
        }
    }
    let mut tier: Option<String> = None;
    if let Some(customer) = &order.customer_id {
        let row = sqlx::query_scalar::<_, String>("SELECT tier FROM app.customers WHERE id = $1").bind(customer).fetch_optional(&state.db).await?;
        match row {
            Some(t) => tier = Some(t),
            None => {
                return Err(StepError::permanent(format!("customer {customer} does not exist")).code("unknown_customer").metadata(json!({ "customer_id": customer })))
            }
        }
    }
    let mut result = rules::apply_discounts(
        to_cents(deps.validate_items.subtotal),
        deps.validate_items.total_units,
        coupon.as_ref().map(|(c, p)| (c.as_str(), *p)),
        tier.as_deref(),
    );
    result["coupon_code"] = json!(coupon.map(|(c, _)| c));
    result["customer_tier"] = json!(tier);
    Ok(crate::workflows::data_pipeline::analysis::js_numbers(result))
}

/// What generate_quote reads.
#[derive(Debug, Deserialize)]
pub struct QuoteDeps {
    /// receive_order's result.
    pub receive_order: ReceivedOrder,
    /// validate_items' result.
    pub validate_items: ValidatedItems,
    /// calculate_shipping's result.
    pub calculate_shipping: Value,
    /// apply_discounts' result.
    pub apply_discounts: Value,
}

/// generate_quote: one quote per sales task (unique task_uuid), numbered from the check id;
/// its summary is merged into the check's `result.quote`.
pub async fn generate_quote(state: AppState, ctx: StepContext, _input: NoDeps, deps: QuoteDeps) -> Result<Value, StepError> {
    let order = &deps.receive_order;
    let validity_days = ctx.init_value("validity_days").and_then(Value::as_i64).filter(|d| *d >= 1).unwrap_or(30);
    let discounts = &deps.apply_discounts;
    let shipping_cost = deps.calculate_shipping["shipping_cost"].as_f64().unwrap_or(0.0);
    let discounted = discounts["discounted_subtotal"].as_f64().unwrap_or(0.0);
    let total = from_cents(to_cents(discounted) + to_cents(shipping_cost));
    // A retry after the insert committed keeps the first quote (and its expiry).
    sqlx::query(
        "INSERT INTO app.quotes (quote_number, compliance_check_id, order_ref, task_uuid, lines, subtotal, discount, shipping, total, details, expires_at)
         VALUES ($1, $2, $3, $4::uuid, $5, $6::float8, $7::float8, $8::float8, $9::float8, $10, now() + make_interval(days => $11))
         ON CONFLICT (task_uuid) DO NOTHING",
    )
    .bind(rules::quote_number(i64::from(order.check_id)))
    .bind(order.check_id)
    .bind(&order.order_ref)
    .bind(&ctx.task_uuid)
    .bind(serde_json::to_value(&deps.validate_items.lines)?)
    .bind(discounts["subtotal"].as_f64().unwrap_or(0.0))
    .bind(discounts["discount_total"].as_f64().unwrap_or(0.0))
    .bind(shipping_cost)
    .bind(total)
    .bind(json!({ "discounts": discounts["discounts"], "shipping": deps.calculate_shipping, "destination": order.destination }))
    .bind(validity_days as i32)
    .execute(&state.db)
    .await?;
    let quote = sqlx::query(
        "SELECT id, quote_number, subtotal::float8 AS subtotal, discount::float8 AS discount, shipping::float8 AS shipping,
                total::float8 AS total, currency, app.iso(expires_at) AS expires_at FROM app.quotes WHERE task_uuid = $1::uuid",
    )
    .bind(&ctx.task_uuid)
    .fetch_one(&state.db)
    .await?;
    let summary = crate::workflows::data_pipeline::analysis::js_numbers(json!({
        "quote_id": quote.try_get::<i32, _>("id")?,
        "quote_number": quote.try_get::<String, _>("quote_number")?,
        "subtotal": quote.try_get::<f64, _>("subtotal")?,
        "discount": quote.try_get::<f64, _>("discount")?,
        "shipping": quote.try_get::<f64, _>("shipping")?,
        "total": quote.try_get::<f64, _>("total")?,
        "currency": quote.try_get::<String, _>("currency")?,
        "expires_at": quote.try_get::<String, _>("expires_at")?,
    }));
    merge_check_result(&state, order.check_id, "quote", &summary).await?;
    Ok(summary)
}

// ---- Team B: compliance ---------------------------------------------------------------------

/// check_compliance: embargoed destination or restricted / unknown skus end the review, with
/// every reason in the error (permanent: asking again gives the same answer).
pub async fn check_compliance(state: AppState, _ctx: StepContext, input: CheckContext, _deps: NoDeps) -> Result<Value, StepError> {
    let (lines, _) = rules::normalize_lines(&input.items);
    let skus: Vec<String> = lines.iter().map(|l| l.sku.clone()).collect();
    let catalog = products_by_sku(&state, &skus).await?;
    let country = input.destination.country.to_uppercase();
    let embargo: Option<String> = sqlx::query_scalar("SELECT reason FROM app.embargoed_countries WHERE country_code = $1").bind(&country).fetch_optional(&state.db).await?;
    let screened: Vec<(String, Option<bool>)> = lines.iter().map(|l| (l.sku.clone(), catalog.get(&l.sku).map(|p| p.restricted))).collect();
    let verdict = rules::screen_order(&screened, &country, embargo.as_deref());
    if verdict["approved"] != json!(true) {
        let reasons: Vec<&str> = verdict["violations"].as_array().into_iter().flatten().filter_map(|v| v["reason"].as_str()).collect();
        return Err(StepError::permanent(format!("compliance check failed: {}", reasons.join("; ")))
            .code("compliance_violation")
            .metadata(json!({ "violations": verdict["violations"] })));
    }
    Ok(verdict)
}

/// verify_tax_rules: the destination's import tax on the catalog value of the goods.
pub async fn verify_tax_rules(state: AppState, _ctx: StepContext, input: CheckContext, _deps: NoDeps) -> Result<Value, StepError> {
    let (lines, _) = rules::normalize_lines(&input.items);
    let skus: Vec<String> = lines.iter().map(|l| l.sku.clone()).collect();
    let catalog = products_by_sku(&state, &skus).await?;
    // check_compliance already refused unknown skus, so every line has a price here.
    let cents: i64 = lines.iter().map(|l| catalog.get(&l.sku).map_or(0, |p| to_cents(p.price) * l.quantity)).sum();
    Ok(crate::workflows::data_pipeline::analysis::js_numbers(rules::assess_tax(&input.destination.country, input.destination.region.as_deref(), from_cents(cents))))
}

/// `{check_compliance, verify_tax_rules}`.
#[derive(Debug, Deserialize)]
pub struct AuditDeps {
    /// The verdict.
    pub check_compliance: Value,
    /// The tax assessment.
    pub verify_tax_rules: Value,
}

/// The audit entry's key: one per check.
pub fn audit_dedupe_key(check_id: i32) -> String {
    format!("compliance_check:{check_id}:review")
}

/// audit_log: one audit_logs row per check (unique dedupe key), however often the step runs.
pub async fn audit_log(state: AppState, ctx: StepContext, input: CheckContext, deps: AuditDeps) -> Result<Value, StepError> {
    let key = audit_dedupe_key(input.check_id);
    let tax = &deps.verify_tax_rules;
    sqlx::query(
        "INSERT INTO app.audit_logs (dedupe_key, entity_type, entity_id, action, actor, task_uuid, step_name, details)
         VALUES ($1, 'compliance_check', $2, 'compliance_review.approved', 'compliance_review', $3::uuid, $4, $5)
         ON CONFLICT (dedupe_key) DO NOTHING",
    )
    .bind(&key)
    .bind(input.check_id.to_string())
    .bind(&ctx.task_uuid)
    .bind(&ctx.step_name)
    .bind(json!({
        "order_ref": input.order_ref,
        "destination": input.destination,
        "screened_skus": deps.check_compliance["screened_skus"],
        "tax_jurisdiction": tax["jurisdiction"],
        "tax_rate_percent": tax["rate_percent"],
        "tax_amount": tax["tax_amount"],
    }))
    .execute(&state.db)
    .await?;
    let entry = sqlx::query("SELECT id, action, app.iso(created_at) AS recorded_at FROM app.audit_logs WHERE dedupe_key = $1").bind(&key).fetch_one(&state.db).await?;
    Ok(json!({
        "audit_log_id": entry.try_get::<i32, _>("id")?,
        "dedupe_key": key,
        "action": entry.try_get::<String, _>("action")?,
        "recorded_at": entry.try_get::<String, _>("recorded_at")?,
    }))
}

/// `{check_compliance, verify_tax_rules, audit_log}`.
#[derive(Debug, Deserialize)]
pub struct ReportDeps {
    /// The verdict.
    pub check_compliance: Value,
    /// The tax assessment.
    pub verify_tax_rules: Value,
    /// The audit entry.
    pub audit_log: AuditEntry,
}

/// audit_log's result.
#[derive(Debug, Deserialize)]
pub struct AuditEntry {
    /// Its id.
    pub audit_log_id: i64,
    /// When (the report's review time, so a retry writes the same report).
    pub recorded_at: String,
}

/// compliance_report: the signed-off review, saved on the check under `result.compliance`.
pub async fn compliance_report(state: AppState, _ctx: StepContext, input: CheckContext, deps: ReportDeps) -> Result<Value, StepError> {
    let verdict = &deps.check_compliance;
    let tax = &deps.verify_tax_rules;
    let report = json!({
        "check_id": input.check_id,
        "order_ref": input.order_ref,
        "decision": if verdict["approved"] == json!(true) { "approved" } else { "rejected" },
        "destination": input.destination,
        "screened_skus": verdict["screened_skus"],
        "violations": verdict["violations"],
        "tax": {
            "jurisdiction": tax["jurisdiction"], "tax_type": tax["tax_type"], "rate_percent": tax["rate_percent"],
            "taxable_value": tax["taxable_value"], "tax_amount": tax["tax_amount"],
        },
        "audit_log_id": deps.audit_log.audit_log_id,
        "reviewed_at": deps.audit_log.recorded_at,
    });
    if !merge_check_result(&state, input.check_id, "compliance", &report).await? {
        return Err(StepError::permanent(format!("compliance check {} disappeared before its report was saved", input.check_id)).code("check_not_found"));
    }
    Ok(report)
}
