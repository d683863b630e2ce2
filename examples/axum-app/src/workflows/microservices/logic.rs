//! The customer view the workflow builds: merging the two services' answers, order statistics
//! and the response shape per request type.

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

/// The user-profile service's answer.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct UserProfile {
    /// The customer id.
    pub user_id: String,
    /// Name.
    pub name: String,
    /// Email.
    pub email: String,
    /// Tier.
    pub tier: String,
    /// Since when.
    pub member_since: String,
}

/// One order of the order-history service's answer.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct HistoryOrder {
    /// The order id.
    pub id: i64,
    /// Its total.
    pub total: f64,
    /// Its status.
    pub status: String,
    /// Units.
    pub item_count: i64,
    /// When.
    pub created_at: String,
}

/// The order-history service's answer.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct OrderHistory {
    /// The customer id.
    pub user_id: String,
    /// Newest first.
    pub orders: Vec<HistoryOrder>,
}

/// How many recent orders the view keeps.
pub const RECENT_ORDER_LIMIT: usize = 5;

/// Order statistics; failed and cancelled orders were never charged and do not count.
pub fn order_stats(orders: &[HistoryOrder]) -> Value {
    let counted: Vec<&HistoryOrder> = orders.iter().filter(|o| o.status != "failed" && o.status != "cancelled").collect();
    let cents: i64 = counted.iter().map(|o| (o.total * 100.0).round() as i64).sum();
    let mut times: Vec<&str> = counted.iter().map(|o| o.created_at.as_str()).collect();
    times.sort_unstable();
    let average = if counted.is_empty() { 0.0 } else { ((cents as f64 / counted.len() as f64) + 0.5).floor() / 100.0 };
    json!({
        "order_count": counted.len(),
        "total_spent": cents as f64 / 100.0,
        "average_order_value": average,
        "first_order_at": times.first(),
        "last_order_at": times.last(),
        "excluded_orders": orders.len() - counted.len(),
    })
}

/// One view of the customer from both services; `Err` when they answered about different people.
pub fn merge(profile: &UserProfile, history: &OrderHistory) -> Result<Value, String> {
    if profile.user_id != history.user_id {
        // Two services answering about different people would silently corrupt the report.
        return Err(format!("profile is for {} but order history is for {}; refusing to merge", profile.user_id, history.user_id));
    }
    let mut recent = history.orders.clone();
    recent.sort_by(|a, b| b.created_at.cmp(&a.created_at).then(b.id.cmp(&a.id)));
    let recent: Vec<Value> =
        recent.iter().take(RECENT_ORDER_LIMIT).map(|o| json!({ "id": o.id, "total": o.total, "status": o.status, "created_at": o.created_at })).collect();
    Ok(crate::workflows::data_pipeline::analysis::js_numbers(json!({
        "user_id": profile.user_id,
        "profile": { "name": profile.name, "email": profile.email, "tier": profile.tier, "member_since": profile.member_since },
        "order_stats": order_stats(&history.orders),
        "recent_orders": recent,
    })))
}

/// `new`, `occasional`, `loyal` (3+ orders) or `high_value` (1,000+ spent).
pub fn customer_segment(view: &Value) -> &'static str {
    let count = view["order_stats"]["order_count"].as_u64().unwrap_or(0);
    let spent = view["order_stats"]["total_spent"].as_f64().unwrap_or(0.0);
    if count == 0 {
        "new"
    } else if spent >= 1000.0 {
        "high_value"
    } else if count >= 3 {
        "loyal"
    } else {
        "occasional"
    }
}

/// The answer the caller asked for.
pub fn format_response(request_type: &str, view: &Value) -> Value {
    let stats = &view["order_stats"];
    match request_type {
        "profile_summary" => {
            let mut out = json!({ "request_type": request_type, "user_id": view["user_id"] });
            if let (Some(out), Some(profile)) = (out.as_object_mut(), view["profile"].as_object()) {
                out.extend(profile.clone());
            }
            out
        }
        "order_summary" => json!({
            "request_type": request_type,
            "user_id": view["user_id"],
            "order_count": stats["order_count"],
            "total_spent": stats["total_spent"],
            "average_order_value": stats["average_order_value"],
            "last_order_at": stats["last_order_at"],
            "recent_orders": view["recent_orders"],
        }),
        _ => json!({
            "request_type": request_type,
            "user_id": view["user_id"],
            "profile": view["profile"],
            "order_stats": stats,
            "recent_orders": view["recent_orders"],
            "customer_segment": customer_segment(view),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn order(id: i64, total: f64, status: &str, at: &str) -> HistoryOrder {
        HistoryOrder { id, total, status: status.into(), item_count: 1, created_at: at.into() }
    }

    #[test]
    fn stats_leave_out_uncharged_orders() {
        let stats = order_stats(&[order(1, 75.22, "completed", "2024-03-01"), order(2, 140.29, "completed", "2024-05-20"), order(3, 99.0, "failed", "2024-06-01")]);
        assert_eq!(stats["order_count"], 2);
        assert_eq!(stats["total_spent"], 215.51);
        assert_eq!(stats["average_order_value"], 107.76);
        assert_eq!(stats["last_order_at"], "2024-05-20");
        assert_eq!(stats["excluded_orders"], 1);
    }

    #[test]
    fn merges_and_formats_by_request_type() {
        let profile = UserProfile { user_id: "u".into(), name: "Ada".into(), email: "a@x".into(), tier: "gold".into(), member_since: "2024".into() };
        let history = OrderHistory { user_id: "u".into(), orders: vec![order(1, 10.0, "completed", "2024-01-01")] };
        let view = merge(&profile, &history).unwrap();
        assert_eq!(format_response("profile_summary", &view)["tier"], "gold");
        assert_eq!(format_response("full_report", &view)["customer_segment"], "occasional");
        assert_eq!(format_response("order_summary", &view)["order_count"], 1);
        let other = OrderHistory { user_id: "v".into(), orders: vec![] };
        assert!(merge(&profile, &other).is_err());
    }
}
