//! The four workflows. Each folder has its routes (`routes()`), its step handlers
//! (`handlers(state)`, a registry by callable) and its domain logic; templates live in
//! `templates/<namespace>/` and are registered with the orchestration server at start.

pub mod data_pipeline;
pub mod ecommerce;
pub mod microservices;
pub mod team_scaling;

use axum::Router;
use tasker_worker::HandlerRegistry;

use crate::state::AppState;

/// The templates, embedded in the binary (`POST /v1/templates` at start).
pub const TEMPLATES: [(&str, &str); 5] = [
    ("ecommerce_rs/order_processing.yaml", include_str!("../../templates/ecommerce_rs/order_processing.yaml")),
    ("data_pipeline_rs/analytics_pipeline.yaml", include_str!("../../templates/data_pipeline_rs/analytics_pipeline.yaml")),
    ("microservices_rs/user_request.yaml", include_str!("../../templates/microservices_rs/user_request.yaml")),
    ("sales_rs/quote_generation.yaml", include_str!("../../templates/sales_rs/quote_generation.yaml")),
    ("compliance_rs/compliance_review.yaml", include_str!("../../templates/compliance_rs/compliance_review.yaml")),
];

/// Every workflow's routes.
pub fn routes() -> Router<AppState> {
    Router::new().merge(ecommerce::routes()).merge(data_pipeline::routes()).merge(microservices::routes()).merge(team_scaling::routes())
}

/// Every handler of the app (27), by callable.
pub fn handlers(state: &AppState) -> HandlerRegistry {
    let mut registry = ecommerce::handlers(state);
    registry.merge(data_pipeline::handlers(state)).merge(microservices::handlers(state)).merge(team_scaling::handlers(state));
    registry
}

/// Background job processors (they run wherever handlers run).
pub fn register_jobs(state: &AppState) {
    crate::email::register_delivery(&state.jobs, state.db.clone());
    ecommerce::register_jobs(state);
}

#[cfg(test)]
mod tests {
    /// The templates are hono-app's with the `_rs` suffix (apps.md): same steps, dependencies,
    /// retry and timeout settings. Compared line by line after taking the suffix off.
    #[test]
    fn templates_stay_in_step_with_hono_app() {
        let hono = concat!(env!("CARGO_MANIFEST_DIR"), "/../hono-app/templates");
        for (path, ours) in super::TEMPLATES {
            let (namespace, file) = path.split_once('/').unwrap();
            let base = namespace.trim_end_matches("_rs");
            let Ok(theirs) = std::fs::read_to_string(format!("{hono}/{base}/{file}")) else {
                panic!("hono-app has no template {base}/{file}");
            };
            let normalize = |text: &str| -> Vec<String> {
                text.lines()
                    .filter(|l| !l.trim_start().starts_with('#'))
                    .map(|l| l.replace(&format!("{base}_rs"), base))
                    .collect()
            };
            assert_eq!(normalize(ours), normalize(&theirs), "{path} differs from hono-app's {base}/{file}");
        }
    }

    #[test]
    fn every_template_step_has_a_handler_and_every_handler_a_step() {
        let mut callables: Vec<String> = super::TEMPLATES
            .iter()
            .flat_map(|(_, yaml)| yaml.lines().filter_map(|l| l.trim().strip_prefix("callable: ").map(str::to_owned)).collect::<Vec<_>>())
            .collect();
        callables.sort();
        assert_eq!(callables.len(), 27);
        let expected = [
            "compliance_rs.audit_log", "compliance_rs.check_compliance", "compliance_rs.compliance_report", "compliance_rs.verify_tax_rules",
            "data_pipeline_rs.aggregate_results", "data_pipeline_rs.archive_results", "data_pipeline_rs.detect_anomalies", "data_pipeline_rs.enrich_metadata",
            "data_pipeline_rs.generate_report", "data_pipeline_rs.ingest_data", "data_pipeline_rs.notify_stakeholders", "data_pipeline_rs.validate_schema",
            "ecommerce_rs.generate_invoice", "ecommerce_rs.process_payment", "ecommerce_rs.send_confirmation", "ecommerce_rs.update_inventory",
            "ecommerce_rs.validate_inventory", "microservices_rs.fetch_order_history", "microservices_rs.fetch_user_profile", "microservices_rs.format_response",
            "microservices_rs.merge_results", "microservices_rs.validate_request", "sales_rs.apply_discounts", "sales_rs.calculate_shipping",
            "sales_rs.generate_quote", "sales_rs.receive_order", "sales_rs.validate_items",
        ];
        assert_eq!(callables, expected);
    }
}
