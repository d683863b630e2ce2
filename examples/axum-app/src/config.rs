//! The app's settings, read once from the environment. Every setting has a working default, so
//! `cargo run -p axum-app` needs no setup beyond a PostgreSQL server.

use std::path::PathBuf;
use std::time::Duration;

/// The namespace suffix of this app (apps.md): its templates and handlers live in
/// `ecommerce_rs`, `data_pipeline_rs`, ... so several apps can share one orchestration server.
pub const SUFFIX: &str = "_rs";

/// The teams' namespaces without the suffix, as `TASKER_WORKER_NAMESPACES` may name them.
pub const BASE_NAMESPACES: [&str; 5] = ["ecommerce", "data_pipeline", "microservices", "sales", "compliance"];

/// The namespace of a base name (`sales` -> `sales_rs`).
pub fn namespace(base: &str) -> String {
    if base.ends_with(SUFFIX) {
        base.to_owned()
    } else {
        format!("{base}{SUFFIX}")
    }
}

/// Where the app stands and what it starts.
#[derive(Debug, Clone)]
pub struct Config {
    /// `HOST` (default `0.0.0.0`).
    pub host: String,
    /// `PORT` (default 3000; 0 = any free port).
    pub port: u16,
    /// `DATABASE_URL`: the app's own database (created when missing).
    pub database_url: String,
    /// `ORCHESTRATION_URL`: an orchestration server to use. Unset: the app starts
    /// `tasker-ctl serve` itself on `ORCHESTRATION_PORT` (development).
    pub orchestration_url: Option<String>,
    /// `ORCHESTRATION_PORT` (default 8080), for the server the app starts.
    pub orchestration_port: u16,
    /// `TASKER_DATABASE_URL`: the engine's database for the server the app starts.
    pub tasker_database_url: String,
    /// `TASKER_API_KEY`: needs `tasks:read`, `tasks:write`, `templates:write` and `worker`.
    pub api_key: Option<String>,
    /// `TASKER_WORKER_NAMESPACES` (comma-separated; `sales` or `sales_rs`): the namespaces this
    /// process's worker serves. Default: all five. Empty list (`none`): no worker.
    pub worker_namespaces: Vec<String>,
    /// `WORKER_CONCURRENCY` (default 10).
    pub worker_concurrency: usize,
    /// `SERVE_HTTP` (default true): false runs only the worker (a team's worker process).
    pub serve_http: bool,
    /// `SERVICES_BASE_URL`: the user-profile and order-history services. Default: this app's
    /// own `/internal` routes.
    pub services_base_url: Option<String>,
    /// `DATASET_DIR`: `file://` datasets must live here (default `examples/axum-app/datasets`).
    pub dataset_dir: PathBuf,
    /// How long a stopping worker lets running steps finish.
    pub shutdown_timeout: Duration,
}

impl Config {
    /// Reads the environment; a bad value is an error naming the variable.
    pub fn from_env() -> Result<Self, String> {
        let var = |name: &str| std::env::var(name).ok().map(|v| v.trim().to_owned()).filter(|v| !v.is_empty());
        let port = |name: &str, default: u16| -> Result<u16, String> {
            var(name).map_or(Ok(default), |v| v.parse().map_err(|_| format!("{name} must be a port number (got {v:?})")))
        };
        let pg = "postgres://postgres:postgres@127.0.0.1:5432";
        let mut config = Self {
            host: var("HOST").unwrap_or_else(|| "0.0.0.0".into()),
            port: port("PORT", 3000)?,
            database_url: var("DATABASE_URL").unwrap_or_else(|| format!("{pg}/example_axum")),
            orchestration_url: var("ORCHESTRATION_URL"),
            orchestration_port: port("ORCHESTRATION_PORT", 8080)?,
            tasker_database_url: var("TASKER_DATABASE_URL").unwrap_or_else(|| format!("{pg}/tasker_axum")),
            api_key: var("TASKER_API_KEY"),
            worker_namespaces: all_namespaces(),
            worker_concurrency: 10,
            serve_http: true,
            services_base_url: var("SERVICES_BASE_URL"),
            dataset_dir: var("DATASET_DIR").map_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("datasets"), PathBuf::from),
            shutdown_timeout: Duration::from_secs(30),
        };
        if let Some(raw) = var("TASKER_WORKER_NAMESPACES") {
            config.worker_namespaces = parse_namespaces(&raw)?;
        }
        if let Some(raw) = var("WORKER_CONCURRENCY") {
            config.worker_concurrency =
                raw.parse().ok().filter(|n| (1..=256).contains(n)).ok_or(format!("WORKER_CONCURRENCY must be 1..256 (got {raw:?})"))?;
        }
        if let Some(raw) = var("SERVE_HTTP") {
            config.serve_http = !matches!(raw.as_str(), "0" | "false" | "no");
        }
        Ok(config)
    }

    /// A configuration for tests: any free port, loopback, the given databases and server.
    pub fn for_tests(database_url: &str, orchestration_url: &str, api_key: &str) -> Self {
        Self {
            host: "127.0.0.1".into(),
            port: 0,
            database_url: database_url.into(),
            orchestration_url: Some(orchestration_url.into()),
            orchestration_port: 0,
            tasker_database_url: String::new(),
            api_key: Some(api_key.into()),
            worker_namespaces: all_namespaces(),
            worker_concurrency: 10,
            serve_http: true,
            services_base_url: None,
            dataset_dir: PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("datasets"),
            shutdown_timeout: Duration::from_secs(10),
        }
    }
}

/// Every namespace of the app.
pub fn all_namespaces() -> Vec<String> {
    BASE_NAMESPACES.iter().map(|b| namespace(b)).collect()
}

/// `"sales, compliance_rs"` -> `["sales_rs", "compliance_rs"]`; `none` -> no worker; an unknown
/// namespace is an error listing the known ones.
pub fn parse_namespaces(raw: &str) -> Result<Vec<String>, String> {
    if raw.trim() == "none" {
        return Ok(Vec::new());
    }
    let known = all_namespaces();
    let mut chosen: Vec<String> = Vec::new();
    for part in raw.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let ns = namespace(part);
        if !known.contains(&ns) {
            return Err(format!("this app has no handlers for namespace {part:?}; choose from: {}", BASE_NAMESPACES.join(", ")));
        }
        if !chosen.contains(&ns) {
            chosen.push(ns);
        }
    }
    Ok(chosen)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn namespaces_take_the_suffix_once_and_unknown_ones_are_named() {
        assert_eq!(parse_namespaces("sales, compliance_rs,sales").unwrap(), vec!["sales_rs", "compliance_rs"]);
        assert!(parse_namespaces("salse").unwrap_err().contains("salse"));
        assert!(parse_namespaces("none").unwrap().is_empty());
    }
}
