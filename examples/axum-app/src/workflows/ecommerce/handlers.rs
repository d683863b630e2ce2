//! The five step handlers of `ecommerce_rs/order_processing`, each idempotent: a retried or
//! duplicated step never charges twice, moves stock twice or issues two invoices.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use sqlx::Row;
use tasker_worker::{NoDeps, StepContext, StepError};

use super::pricing::{self, CatalogEntry, GatewayDecision, PricedOrder};
use crate::email::enqueue_email;
use crate::state::AppState;

/// The task context of order_processing (its template's input_schema).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct OrderContext {
    /// The order's row id.
    pub order_id: i32,
    /// Who ordered.
    pub customer_email: String,
    /// What.
    pub items: Vec<Line>,
    /// How they pay (kept out of the domain tables).
    pub payment_info: PaymentInfo,
}

/// An order line.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Line {
    /// The sku.
    pub sku: String,
    /// Units.
    pub quantity: i64,
}

/// `{method: "card", token}`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PaymentInfo {
    /// Always `card`.
    pub method: String,
    /// The card token (`tok_declined`, `tok_flaky` trigger failures).
    pub token: String,
}

/// process_payment's result, as later steps read it.
#[derive(Debug, Clone, Deserialize)]
pub struct PaymentResult {
    /// `pay_...`.
    pub payment_id: String,
}

/// `{validate_inventory}`.
#[derive(Debug, Deserialize)]
pub struct PricedDeps {
    /// validate_inventory's result.
    pub validate_inventory: PricedOrder,
}

/// `{validate_inventory, process_payment}`.
#[derive(Debug, Deserialize)]
pub struct ConfirmationDeps {
    /// validate_inventory's result.
    pub validate_inventory: PricedOrder,
    /// process_payment's result.
    pub process_payment: PaymentResult,
}

/// The catalog entries of these skus.
pub async fn load_catalog(db: &sqlx::PgPool, skus: &[String]) -> Result<HashMap<String, CatalogEntry>, sqlx::Error> {
    let rows = sqlx::query("SELECT sku, name, price::float8 AS price, stock::int8 AS stock, weight_kg::float8 AS weight_kg FROM app.products WHERE sku = ANY($1)")
        .bind(skus)
        .fetch_all(db)
        .await?;
    rows.iter()
        .map(|r| {
            let entry = CatalogEntry { sku: r.try_get("sku")?, name: r.try_get("name")?, price: r.try_get("price")?, stock: r.try_get("stock")?, weight_kg: r.try_get("weight_kg")? };
            Ok((entry.sku.clone(), entry))
        })
        .collect()
}

fn lines(input: &OrderContext) -> Vec<(String, i64)> {
    input.items.iter().map(|l| (l.sku.clone(), l.quantity)).collect()
}

/// Step 1: every sku exists and has the stock asked for; prices the order from the catalog
/// and records the price on the order.
pub async fn validate_inventory(state: AppState, _ctx: StepContext, input: OrderContext, _deps: NoDeps) -> Result<Value, StepError> {
    let items = lines(&input);
    let skus: Vec<String> = items.iter().map(|(s, _)| s.clone()).collect();
    let catalog = load_catalog(&state.db, &skus).await?;
    let problems = pricing::find_catalog_problems(&items, &catalog);
    if let Some(first) = problems.first() {
        let message = problems.iter().map(|p| p.describe()).collect::<Vec<_>>().join("; ");
        return Err(StepError::permanent(message)
            .code(first.kind())
            .metadata(json!({ "problems": problems.iter().map(|p| p.to_json()).collect::<Vec<_>>() })));
    }
    let priced = pricing::price_order(&items, &catalog).ok_or_else(|| StepError::permanent("cannot price the order").code("unknown_sku"))?;
    sqlx::query("UPDATE app.orders SET subtotal = $2::float8, tax = $3::float8, shipping = $4::float8, total = $5::float8, updated_at = now() WHERE id = $1")
        .bind(input.order_id)
        .bind(priced.subtotal)
        .bind(priced.tax)
        .bind(priced.shipping)
        .bind(priced.total)
        .execute(&state.db)
        .await?;
    let mut result = serde_json::to_value(&priced)?;
    result["validated_at"] = json!(crate::time::now_iso());
    Ok(result)
}

const PAYMENT_COLUMNS: &str = "payment_id, amount::float8 AS amount, currency, status, app.iso(created_at) AS charged_at";

async fn find_payment(state: &AppState, order_id: i32) -> Result<Option<sqlx::postgres::PgRow>, sqlx::Error> {
    sqlx::query(&format!("SELECT {PAYMENT_COLUMNS} FROM app.payments WHERE order_id = $1")).bind(order_id).fetch_optional(&state.db).await
}

fn payment_result(row: &sqlx::postgres::PgRow, attempt: u32) -> Result<Value, sqlx::Error> {
    Ok(json!({
        "payment_id": row.try_get::<String, _>("payment_id")?,
        "amount_charged": row.try_get::<f64, _>("amount")?,
        "currency": row.try_get::<String, _>("currency")?,
        "status": row.try_get::<String, _>("status")?,
        "charged_at": row.try_get::<String, _>("charged_at")?,
        "gateway_attempt": attempt,
    }))
}

/// Step 2: charges the order's total once. The payments row is unique per order, so a retried
/// or duplicated step returns the first charge instead of charging again.
pub async fn process_payment(state: AppState, ctx: StepContext, input: OrderContext, deps: PricedDeps) -> Result<Value, StepError> {
    if let Some(existing) = find_payment(&state, input.order_id).await? {
        tracing::info!(order_id = input.order_id, "order already charged");
        return Ok(payment_result(&existing, ctx.attempt)?);
    }
    let amount = deps.validate_inventory.total;
    match pricing::decide_charge(&input.payment_info.token, amount, ctx.attempt) {
        GatewayDecision::Declined(code, message) => return Err(StepError::permanent(message).code(code).metadata(json!({ "amount": amount }))),
        GatewayDecision::Unavailable(code, message) => {
            return Err(StepError::retryable(message).code(code).retry_after(std::time::Duration::from_millis(200)))
        }
        GatewayDecision::Approved => {}
    }
    sqlx::query(
        "INSERT INTO app.payments (payment_id, order_id, amount, currency, status, method)
         VALUES ('pay_' || substr(replace(gen_random_uuid()::text, '-', ''), 1, 24), $1, $2::float8, 'USD', 'captured', $3)
         ON CONFLICT (order_id) DO NOTHING",
    )
    .bind(input.order_id)
    .bind(amount)
    .bind(&input.payment_info.method)
    .execute(&state.db)
    .await?;
    let charged = find_payment(&state, input.order_id)
        .await?
        .ok_or_else(|| StepError::retryable(format!("payment for order {} not found after insert", input.order_id)))?;
    Ok(payment_result(&charged, ctx.attempt)?)
}

/// Step 3: takes the sold quantities out of stock, once per order, never below zero. The
/// stock_movements row (unique per order and sku) is written in the same transaction as the
/// decrement, so a retry or a duplicate delivery finds it and does nothing.
pub async fn update_inventory(state: AppState, _ctx: StepContext, input: OrderContext, deps: PricedDeps) -> Result<Value, StepError> {
    let order_id = input.order_id;
    let lines = &deps.validate_inventory.lines;
    let mut tx = state.db.begin().await?;
    let mut short: Option<String> = None;
    for line in lines {
        let claimed = sqlx::query(
            "INSERT INTO app.stock_movements (order_id, sku, quantity_delta, reason) VALUES ($1, $2, $3, 'sale')
             ON CONFLICT DO NOTHING RETURNING id",
        )
        .bind(order_id)
        .bind(&line.sku)
        .bind(-(line.quantity as i32))
        .fetch_optional(&mut *tx)
        .await?;
        if claimed.is_none() {
            continue; // this line was already applied
        }
        let updated = sqlx::query("UPDATE app.products SET stock = stock - $2, updated_at = now() WHERE sku = $1 AND stock >= $2 RETURNING stock")
            .bind(&line.sku)
            .bind(line.quantity as i32)
            .fetch_optional(&mut *tx)
            .await?;
        if updated.is_none() {
            short = Some(line.sku.clone());
            break;
        }
    }
    if let Some(sku) = short {
        tx.rollback().await?;
        // Stock ran out between validation and now: give the money back before failing.
        sqlx::query("UPDATE app.payments SET status = 'refunded', updated_at = now() WHERE order_id = $1").bind(order_id).execute(&state.db).await?;
        return Err(StepError::permanent(format!("insufficient stock for \"{sku}\" when reserving it; the payment was refunded"))
            .code("insufficient_stock")
            .metadata(json!({ "sku": sku })));
    }
    tx.commit().await?;
    let skus: Vec<String> = lines.iter().map(|l| l.sku.clone()).collect();
    let remaining: HashMap<String, i32> = sqlx::query("SELECT sku, stock FROM app.products WHERE sku = ANY($1)")
        .bind(&skus)
        .fetch_all(&state.db)
        .await?
        .iter()
        .map(|r| Ok((r.try_get("sku")?, r.try_get("stock")?)))
        .collect::<Result<_, sqlx::Error>>()?;
    Ok(json!({
        "order_id": order_id,
        "movements": lines.iter().map(|l| json!({ "sku": l.sku, "quantity": -l.quantity, "remaining_stock": remaining.get(&l.sku) })).collect::<Vec<_>>(),
    }))
}

/// Step 4: writes the confirmation email to the outbox and queues its delivery.
pub async fn send_confirmation(state: AppState, _ctx: StepContext, input: OrderContext, deps: ConfirmationDeps) -> Result<Value, StepError> {
    let (subject, body) = pricing::confirmation_email(input.order_id, &deps.validate_inventory, &deps.process_payment.payment_id);
    let recipients = vec![input.customer_email.clone()];
    let message = enqueue_email(&state, &format!("order:{}:confirmation", input.order_id), &recipients, &subject, &body).await?;
    Ok(json!({ "message_id": message.message_id, "recipient": input.customer_email, "subject": message.subject, "status": message.status }))
}

/// Step 5: the invoice, one per order (unique order_id), numbered from the order id.
pub async fn generate_invoice(state: AppState, _ctx: StepContext, input: OrderContext, deps: PricedDeps) -> Result<Value, StepError> {
    let priced = &deps.validate_inventory;
    let lines: Vec<Value> = priced
        .lines
        .iter()
        .map(|l| json!({ "sku": l.sku, "name": l.name, "quantity": l.quantity, "unit_price": l.unit_price, "line_total": l.line_total }))
        .collect();
    // Both unique keys (order_id, and the number derived from it) name the same invoice: any
    // conflict means it exists.
    sqlx::query(
        "INSERT INTO app.invoices (invoice_number, order_id, customer_email, lines, subtotal, tax, shipping, total)
         VALUES ($1, $2, $3, $4, $5::float8, $6::float8, $7::float8, $8::float8) ON CONFLICT DO NOTHING",
    )
    .bind(pricing::invoice_number(input.order_id))
    .bind(input.order_id)
    .bind(&input.customer_email)
    .bind(Value::Array(lines))
    .bind(priced.subtotal)
    .bind(priced.tax)
    .bind(priced.shipping)
    .bind(priced.total)
    .execute(&state.db)
    .await?;
    let invoice = sqlx::query("SELECT id, invoice_number, order_id, total::float8 AS total, app.iso(issued_at) AS issued_at FROM app.invoices WHERE order_id = $1")
        .bind(input.order_id)
        .fetch_one(&state.db)
        .await?;
    Ok(json!({
        "invoice_id": invoice.try_get::<i32, _>("id")?,
        "invoice_number": invoice.try_get::<String, _>("invoice_number")?,
        "order_id": invoice.try_get::<i32, _>("order_id")?,
        "total": invoice.try_get::<f64, _>("total")?,
        "currency": "USD",
        "issued_at": invoice.try_get::<String, _>("issued_at")?,
    }))
}
