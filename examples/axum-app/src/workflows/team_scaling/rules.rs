//! Both teams' business rules, pure and unit-tested: order lines, shipping zones, discounts,
//! quotes (Team A); export screening and import tax (Team B). Money in integer cents.

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

/// Amount -> cents.
pub fn to_cents(amount: f64) -> i64 {
    (amount * 100.0).round() as i64
}

/// Cents -> amount.
pub fn from_cents(cents: i64) -> f64 {
    cents as f64 / 100.0
}

fn js_round(n: f64) -> i64 {
    (n + 0.5).floor() as i64
}

/// `percent` of `cents`, rounded half-up to the cent.
pub fn percent_of(cents: i64, percent: f64) -> i64 {
    js_round(cents as f64 * percent / 100.0)
}

/// An order line.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Line {
    /// The sku.
    pub sku: String,
    /// Units.
    pub quantity: i64,
}

/// One line per sku (upper-cased, merged), in first-seen order, and the units in all.
pub fn normalize_lines(items: &[Line]) -> (Vec<Line>, i64) {
    let mut lines: Vec<Line> = Vec::new();
    for item in items {
        let sku = item.sku.trim().to_uppercase();
        match lines.iter_mut().find(|l| l.sku == sku) {
            Some(line) => line.quantity += item.quantity,
            None => lines.push(Line { sku, quantity: item.quantity }),
        }
    }
    let units = lines.iter().map(|l| l.quantity).sum();
    (lines, units)
}

/// The destination's shipping zone (orders ship from the US warehouse).
pub fn zone_for(country: &str) -> &'static str {
    const EUROPE: [&str; 18] = ["GB", "IE", "FR", "DE", "NL", "BE", "LU", "ES", "PT", "IT", "AT", "CH", "DK", "SE", "NO", "FI", "PL", "CZ"];
    match country.to_uppercase().as_str() {
        "US" => "domestic",
        "CA" | "MX" => "north_america",
        c if EUROPE.contains(&c) => "europe",
        _ => "international",
    }
}

/// The zone's rate card: handling fee and price per kg, in cents.
pub fn zone_rate(zone: &str) -> (i64, i64) {
    match zone {
        "domestic" => (599, 150),
        "north_america" => (1299, 300),
        "europe" => (1999, 450),
        _ => (2999, 700),
    }
}

/// Shipping for lines `(quantity, weight_kg)` to `country`.
pub fn calculate_shipping(lines: &[(i64, f64)], country: &str) -> Value {
    let grams: i64 = lines.iter().map(|(q, kg)| (kg * 1000.0).round() as i64 * q).sum();
    let zone = zone_for(country);
    let (base, per_kg) = zone_rate(zone);
    let weight_cents = js_round(per_kg as f64 * grams as f64 / 1000.0);
    json!({
        "zone": zone,
        "total_weight_kg": grams as f64 / 1000.0,
        "base_cost": from_cents(base),
        "weight_cost": from_cents(weight_cents),
        "shipping_cost": from_cents(base + weight_cents),
    })
}

/// Volume discount from this many units.
pub const VOLUME_THRESHOLD_UNITS: i64 = 10;
/// Its size.
pub const VOLUME_DISCOUNT_PERCENT: f64 = 5.0;
/// The cap on all discounts together.
pub const MAX_TOTAL_DISCOUNT_PERCENT: f64 = 25.0;

/// Loyalty discount by tier.
pub fn tier_percent(tier: &str) -> f64 {
    match tier {
        "gold" => 5.0,
        "silver" => 3.0,
        _ => 0.0,
    }
}

/// Volume, coupon and tier discounts on the merchandise subtotal, capped; the total is split
/// across the rules (the last absorbs rounding so lines add up).
pub fn apply_discounts(subtotal_cents: i64, total_units: i64, coupon: Option<(&str, f64)>, tier: Option<&str>) -> Value {
    let mut rules: Vec<(&str, String, f64)> = Vec::new();
    if total_units >= VOLUME_THRESHOLD_UNITS {
        rules.push(("volume", format!("VOLUME_{VOLUME_THRESHOLD_UNITS}"), VOLUME_DISCOUNT_PERCENT));
    }
    if let Some((code, percent)) = coupon.filter(|(_, p)| *p > 0.0) {
        rules.push(("coupon", code.to_owned(), percent));
    }
    if let Some(tier) = tier.filter(|t| tier_percent(t) > 0.0) {
        rules.push(("tier", format!("TIER_{}", tier.to_uppercase()), tier_percent(tier)));
    }
    let requested: f64 = rules.iter().map(|r| r.2).sum();
    let percent = requested.min(MAX_TOTAL_DISCOUNT_PERCENT);
    let total = percent_of(subtotal_cents, percent);
    let mut remaining = total;
    let count = rules.len();
    let discounts: Vec<Value> = rules
        .into_iter()
        .enumerate()
        .map(|(i, (kind, code, p))| {
            let cents = if i == count - 1 { remaining } else { percent_of(total, p / requested * 100.0) };
            remaining -= cents;
            json!({ "kind": kind, "code": code, "percent": p, "amount": from_cents(cents) })
        })
        .collect();
    json!({
        "subtotal": from_cents(subtotal_cents),
        "discounts": discounts,
        "discount_percent": percent,
        "discount_total": from_cents(total),
        "discounted_subtotal": from_cents(subtotal_cents - total),
    })
}

/// `QT-000042` for check 42.
pub fn quote_number(check_id: i64) -> String {
    format!("QT-{check_id:06}")
}

/// Export screening of the lines `(sku, restricted: None when unknown)` to `country`.
pub fn screen_order(lines: &[(String, Option<bool>)], country: &str, embargo: Option<&str>) -> Value {
    let country = country.to_uppercase();
    let mut violations = Vec::new();
    if let Some(reason) = embargo {
        violations.push(json!({
            "code": "embargoed_destination", "subject": country,
            "reason": format!("destination {country} is under embargo ({reason}); no goods may ship there"),
        }));
    }
    for (sku, restricted) in lines {
        match restricted {
            None => violations.push(json!({
                "code": "unknown_item", "subject": sku, "reason": format!("sku {sku} is not in the catalog, so it cannot be screened"),
            })),
            Some(true) => violations.push(json!({
                "code": "restricted_item", "subject": sku, "reason": format!("sku {sku} is export-controlled and needs a licence this shop does not hold"),
            })),
            Some(false) => {}
        }
    }
    json!({
        "approved": violations.is_empty(),
        "destination_country": country,
        "screened_skus": lines.iter().map(|(s, _)| s).collect::<Vec<_>>(),
        "violations": violations,
    })
}

/// Import tax on `value` shipped to `country`/`region`: a region rule wins over the country's;
/// countries without a rule are assessed at 0% and say so.
pub fn assess_tax(country: &str, region: Option<&str>, value: f64) -> Value {
    let c = country.to_uppercase();
    let country_rule = |c: &str| -> Option<(f64, &'static str)> {
        Some(match c {
            "US" => (5.0, "sales_tax"),
            "CA" => (5.0, "gst"),
            "MX" => (16.0, "vat"),
            "GB" | "FR" => (20.0, "vat"),
            "IE" => (23.0, "vat"),
            "DE" => (19.0, "vat"),
            "NL" | "ES" => (21.0, "vat"),
            "IT" => (22.0, "vat"),
            "SE" => (25.0, "vat"),
            "JP" => (10.0, "consumption_tax"),
            "AU" => (10.0, "gst"),
            _ => return None,
        })
    };
    let region_rule = |key: &str| -> Option<(f64, &'static str)> {
        Some(match key {
            "US-CA" => (7.25, "sales_tax"),
            "US-NY" => (4.0, "sales_tax"),
            "US-TX" => (6.25, "sales_tax"),
            "US-WA" => (6.5, "sales_tax"),
            "US-FL" => (6.0, "sales_tax"),
            "US-OR" | "US-MT" | "US-NH" | "US-DE" => (0.0, "none"),
            "CA-ON" => (13.0, "hst"),
            "CA-NS" => (15.0, "hst"),
            "CA-QC" => (14.975, "gst"),
            _ => return None,
        })
    };
    let region_key = region.map(|r| format!("{c}-{}", r.to_uppercase()));
    let (jurisdiction, rule, (rate, tax_type)) = match (region_key.as_deref().and_then(region_rule), country_rule(&c)) {
        (Some(found), _) => (region_key.clone().unwrap_or_default(), "region", found),
        (None, Some(found)) => (c.clone(), "country", found),
        (None, None) => (c.clone(), "no_rule", (0.0, "none")),
    };
    let cents = to_cents(value);
    json!({
        "jurisdiction": jurisdiction,
        "rule": rule,
        "tax_type": tax_type,
        "rate_percent": rate,
        "taxable_value": from_cents(cents),
        "tax_amount": from_cents(js_round(cents as f64 * rate / 100.0)),
    })
}

/// A check's status from its tasks' states: failed as soon as either fails, completed only
/// when both are done.
pub fn check_status_for(states: &[&str]) -> &'static str {
    if states.is_empty() {
        "pending"
    } else if states.contains(&"error") {
        "failed"
    } else if states.contains(&"cancelled") {
        "cancelled"
    } else if states.iter().all(|s| *s == "complete" || *s == "resolved_manually") {
        "completed"
    } else {
        "processing"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merges_lines_and_prices_shipping_by_zone() {
        let (lines, units) = normalize_lines(&[Line { sku: "widget-001".into(), quantity: 2 }, Line { sku: "WIDGET-001".into(), quantity: 3 }]);
        assert_eq!((lines.len(), units), (1, 5));
        let shipping = calculate_shipping(&[(12, 0.5)], "DE");
        assert_eq!(shipping["zone"], "europe");
        assert_eq!(shipping["shipping_cost"], 46.99);
    }

    #[test]
    fn discounts_add_up_and_are_capped() {
        let d = apply_discounts(35_988, 12, Some(("SAVE10", 10.0)), Some("gold"));
        assert_eq!(d["discount_percent"], 20.0);
        assert_eq!(d["discount_total"], 71.98);
        let sum: f64 = d["discounts"].as_array().unwrap().iter().map(|x| x["amount"].as_f64().unwrap()).sum();
        assert!((sum - 71.98).abs() < 1e-9);
        assert_eq!(apply_discounts(10_000, 50, Some(("BIG", 30.0)), None)["discount_percent"], 25.0);
    }

    #[test]
    fn screening_tax_and_status() {
        let verdict = screen_order(&[("RESTRICTED-005".into(), Some(true)), ("NOPE".into(), None)], "kp", Some("embargo"));
        assert_eq!(verdict["violations"].as_array().unwrap().len(), 3);
        assert_eq!(assess_tax("US", Some("ca"), 100.0)["tax_amount"], 7.25);
        assert_eq!(assess_tax("BR", None, 100.0)["rule"], "no_rule");
        assert_eq!(check_status_for(&["complete", "error"]), "failed");
        assert_eq!(check_status_for(&["complete", "steps_in_process"]), "processing");
        assert_eq!(quote_number(42), "QT-000042");
    }
}
