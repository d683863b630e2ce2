//! Order pricing from catalog prices (the client never sets prices): subtotal + 8.75% tax +
//! shipping (free when the subtotal is at least 75.00, else 9.99). All arithmetic in integer
//! cents, so totals never drift; amounts leave as numbers with two decimals.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use serde_json::json;

/// 8.75% in basis points.
pub const TAX_RATE_BASIS_POINTS: i64 = 875;
/// Free shipping from this subtotal.
pub const FREE_SHIPPING_FROM_CENTS: i64 = 7_500;
/// Shipping below it.
pub const SHIPPING_FEE_CENTS: i64 = 999;
/// The shop's currency.
pub const CURRENCY: &str = "USD";

/// A product as pricing needs it.
#[derive(Debug, Clone)]
pub struct CatalogEntry {
    /// Its sku.
    pub sku: String,
    /// Its name.
    pub name: String,
    /// Its price.
    pub price: f64,
    /// Units in stock.
    pub stock: i64,
    /// Its weight.
    pub weight_kg: f64,
}

/// A priced order line.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct PricedLine {
    /// The sku.
    pub sku: String,
    /// The product's name.
    pub name: String,
    /// Units.
    pub quantity: i64,
    /// Price per unit.
    pub unit_price: f64,
    /// quantity x unit_price.
    pub line_total: f64,
    /// Weight per unit.
    pub weight_kg: f64,
}

/// An order priced from the catalog (validate_inventory's result, read by later steps).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct PricedOrder {
    /// The lines.
    pub lines: Vec<PricedLine>,
    /// Units in all.
    pub item_count: i64,
    /// Sum of the lines.
    pub subtotal: f64,
    /// 8.75% of the subtotal.
    pub tax: f64,
    /// 0 or 9.99.
    pub shipping: f64,
    /// What the customer pays.
    pub total: f64,
    /// `USD`.
    pub currency: String,
}

/// A sku the catalog does not have, or a line asking for more than is in stock.
#[derive(Debug, Clone, PartialEq)]
pub enum CatalogProblem {
    /// Not in the catalog.
    UnknownSku(String),
    /// Not enough in stock.
    InsufficientStock {
        /// The sku.
        sku: String,
        /// Asked for.
        requested: i64,
        /// In stock.
        available: i64,
    },
}

impl CatalogProblem {
    /// `unknown_sku` or `insufficient_stock` (the step error's code).
    pub fn kind(&self) -> &'static str {
        match self {
            CatalogProblem::UnknownSku(_) => "unknown_sku",
            CatalogProblem::InsufficientStock { .. } => "insufficient_stock",
        }
    }

    /// For people.
    pub fn describe(&self) -> String {
        match self {
            CatalogProblem::UnknownSku(sku) => format!("unknown sku \"{sku}\"; GET /products lists the catalog"),
            CatalogProblem::InsufficientStock { sku, requested, available } => {
                format!("insufficient stock for \"{sku}\": {requested} requested, {available} available")
            }
        }
    }

    /// For the step error's metadata.
    pub fn to_json(&self) -> serde_json::Value {
        match self {
            CatalogProblem::UnknownSku(sku) => json!({ "kind": self.kind(), "sku": sku }),
            CatalogProblem::InsufficientStock { sku, requested, available } => {
                json!({ "kind": self.kind(), "sku": sku, "requested": requested, "available": available })
            }
        }
    }
}

/// Amount -> cents, rounded half away from zero.
pub fn to_cents(amount: f64) -> i64 {
    (amount * 100.0).round() as i64
}

/// Cents -> amount.
pub fn from_cents(cents: i64) -> f64 {
    cents as f64 / 100.0
}

/// `n` rounded half-up (as JavaScript's Math.round).
fn round_half_up(n: f64) -> i64 {
    (n + 0.5).floor() as i64
}

/// Problems with the items against the catalog, in item order.
pub fn find_catalog_problems(items: &[(String, i64)], catalog: &HashMap<String, CatalogEntry>) -> Vec<CatalogProblem> {
    items
        .iter()
        .filter_map(|(sku, quantity)| match catalog.get(sku) {
            None => Some(CatalogProblem::UnknownSku(sku.clone())),
            Some(entry) if entry.stock < *quantity => {
                Some(CatalogProblem::InsufficientStock { sku: sku.clone(), requested: *quantity, available: entry.stock })
            }
            Some(_) => None,
        })
        .collect()
}

/// Prices the items; `None` when a sku is not in the catalog.
pub fn price_order(items: &[(String, i64)], catalog: &HashMap<String, CatalogEntry>) -> Option<PricedOrder> {
    let mut lines = Vec::with_capacity(items.len());
    for (sku, quantity) in items {
        let entry = catalog.get(sku)?;
        let unit = to_cents(entry.price);
        lines.push(PricedLine {
            sku: sku.clone(),
            name: entry.name.clone(),
            quantity: *quantity,
            unit_price: from_cents(unit),
            line_total: from_cents(unit * quantity),
            weight_kg: entry.weight_kg,
        });
    }
    let subtotal: i64 = lines.iter().map(|l| to_cents(l.line_total)).sum();
    // Half-up rounding to the cent, as a till would.
    let tax = round_half_up((subtotal * TAX_RATE_BASIS_POINTS) as f64 / 10_000.0);
    let shipping = if subtotal >= FREE_SHIPPING_FROM_CENTS { 0 } else { SHIPPING_FEE_CENTS };
    Some(PricedOrder {
        item_count: lines.iter().map(|l| l.quantity).sum(),
        lines,
        subtotal: from_cents(subtotal),
        tax: from_cents(tax),
        shipping: from_cents(shipping),
        total: from_cents(subtotal + tax + shipping),
        currency: CURRENCY.into(),
    })
}

/// The largest charge the gateway takes.
pub const MAX_CHARGE: f64 = 10_000.0;

/// What the (simulated) card gateway says: `tok_declined` is declined, `tok_flaky` times out
/// on the first attempt only, charges above the limit are refused; any other token is approved.
#[derive(Debug, Clone, PartialEq)]
pub enum GatewayDecision {
    /// Charge it.
    Approved,
    /// Never (permanent): code and message.
    Declined(&'static str, String),
    /// Not now (retryable): code and message.
    Unavailable(&'static str, String),
}

/// The gateway's decision for a charge.
pub fn decide_charge(token: &str, amount: f64, attempt: u32) -> GatewayDecision {
    if amount > MAX_CHARGE {
        return GatewayDecision::Declined(
            "amount_limit_exceeded",
            format!("charge of {amount:.2} exceeds the {MAX_CHARGE:.2} limit; split the order"),
        );
    }
    match token {
        "tok_declined" => GatewayDecision::Declined("card_declined", "card_declined: the issuer declined the card".into()),
        "tok_flaky" if attempt == 1 => GatewayDecision::Unavailable("gateway_timeout", "payment gateway timed out; will retry".into()),
        _ => GatewayDecision::Approved,
    }
}

/// `INV-000042` for order 42.
pub fn invoice_number(order_id: i32) -> String {
    format!("INV-{order_id:06}")
}

/// The confirmation email's subject and body.
pub fn confirmation_email(order_id: i32, priced: &PricedOrder, payment_id: &str) -> (String, String) {
    let mut body = vec![format!("Thank you for your order #{order_id}."), String::new()];
    for l in &priced.lines {
        body.push(format!("  {} x {} ({}) @ {:.2} = {:.2}", l.quantity, l.name, l.sku, l.unit_price, l.line_total));
    }
    body.push(String::new());
    body.push(format!("Subtotal: {:.2} {}", priced.subtotal, priced.currency));
    body.push(format!("Tax (8.75%): {:.2}", priced.tax));
    body.push(format!("Shipping: {}", if priced.shipping == 0.0 { "free".to_owned() } else { format!("{:.2}", priced.shipping) }));
    body.push(format!("Total charged: {:.2} {} (payment {payment_id})", priced.total, priced.currency));
    (format!("Order #{order_id} confirmed"), body.join("\n"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn catalog() -> HashMap<String, CatalogEntry> {
        [("WIDGET-001", "Widget", 29.99, 1000, 0.5), ("GIZMO-003", "Gizmo", 129.0, 200, 2.0), ("SCARCE-004", "Scarce Part", 15.0, 3, 0.1)]
            .into_iter()
            .map(|(sku, name, price, stock, weight_kg)| {
                (sku.to_owned(), CatalogEntry { sku: sku.into(), name: name.into(), price, stock, weight_kg })
            })
            .collect()
    }

    #[test]
    fn prices_with_tax_and_free_shipping_from_75() {
        let priced = price_order(&[("WIDGET-001".into(), 2), ("GIZMO-003".into(), 1)], &catalog()).unwrap();
        assert_eq!((priced.subtotal, priced.tax, priced.shipping, priced.total), (188.98, 16.54, 0.0, 205.52));
        let small = price_order(&[("WIDGET-001".into(), 2)], &catalog()).unwrap();
        assert_eq!((small.subtotal, small.tax, small.shipping, small.total), (59.98, 5.25, 9.99, 75.22));
        assert!(price_order(&[("NOPE".into(), 1)], &catalog()).is_none());
    }

    #[test]
    fn names_unknown_skus_and_short_stock() {
        let problems = find_catalog_problems(&[("NOPE".into(), 1), ("SCARCE-004".into(), 4)], &catalog());
        assert_eq!(problems.iter().map(CatalogProblem::kind).collect::<Vec<_>>(), vec!["unknown_sku", "insufficient_stock"]);
        assert!(problems[1].describe().contains("4 requested, 3 available"));
    }

    #[test]
    fn the_gateway_is_deterministic() {
        assert_eq!(decide_charge("tok_visa", 10.0, 1), GatewayDecision::Approved);
        assert!(matches!(decide_charge("tok_declined", 10.0, 1), GatewayDecision::Declined("card_declined", _)));
        assert!(matches!(decide_charge("tok_flaky", 10.0, 1), GatewayDecision::Unavailable("gateway_timeout", _)));
        assert_eq!(decide_charge("tok_flaky", 10.0, 2), GatewayDecision::Approved);
        assert!(matches!(decide_charge("tok_visa", 10_320.0, 1), GatewayDecision::Declined("amount_limit_exceeded", _)));
        assert_eq!(invoice_number(42), "INV-000042");
    }
}
