//! # axum-app
//!
//! The four example workflows (workflows.md) as an Axum + sqlx app on the tasker-ts engine:
//! each endpoint stores a domain row, starts a task for it on the orchestration server and
//! answers at once; the app's worker ([`tasker_worker`]) runs the steps on the app's tokio
//! runtime, and each row follows its task to the end.
//!
//! [`App::start`] runs everything one process does (tests start it in-process on a free port);
//! `src/main.rs` reads the environment and starts it.

pub mod config;
pub mod email;
pub mod http;
pub mod jobs;
pub mod orchestration;
pub mod rows;
pub mod services;
pub mod state;
pub mod time;
pub mod workflows;

use std::sync::Arc;
use std::time::Duration;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{json, Value};
use sqlx::postgres::PgPoolOptions;
use tasker_worker::{TaskerClient, Worker, WorkerConfig, WorkerHandle};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

pub use config::Config;
use http::ApiError;
use jobs::JobQueue;
use orchestration::DevServer;
use state::AppState;

/// The migrations (`migrations/`), embedded at compile time; run at start.
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

/// The API key the app gives the orchestration server it starts itself (development only).
const DEV_API_KEY: &str = "axum-app-dev-key-change-me-0123456789";

/// The HTTP app: `/health`, `/products`, every workflow's routes, the internal services, JSON
/// errors throughout.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/health", get(health))
        .route("/products", get(products))
        .merge(workflows::routes())
        .nest(services::INTERNAL_PATH, services::routes())
        .fallback(|method: axum::http::Method, uri: axum::http::Uri| async move {
            ApiError::not_found(format!("no route for {method} {}; see GET /health and the README for the routes", uri.path()))
        })
        .with_state(state)
}

async fn health(State(state): State<AppState>) -> impl IntoResponse {
    let database = sqlx::query("SELECT 1").execute(&state.db).await.is_ok();
    let engine = state.tasker.get_task("00000000-0000-0000-0000-000000000000").await;
    // A 404 for a task that does not exist means the engine answers (and the key works).
    let engine_ok = matches!(&engine, Err(e) if e.status() == Some(404));
    let healthy = database && engine_ok;
    let body = json!({
        "status": if healthy { "ok" } else { "degraded" },
        "app_database": database,
        "engine": { "url": state.tasker.base_url(), "reachable": engine_ok },
        "jobs": state.jobs.backend(),
        "workflows": [
            { "name": "ecommerce", "namespaces": ["ecommerce_rs"] },
            { "name": "data-pipeline", "namespaces": ["data_pipeline_rs"] },
            { "name": "microservices", "namespaces": ["microservices_rs"] },
            { "name": "team-scaling", "namespaces": ["sales_rs", "compliance_rs"] },
        ],
    });
    (if healthy { StatusCode::OK } else { StatusCode::SERVICE_UNAVAILABLE }, Json(body))
}

async fn products(State(state): State<AppState>) -> Result<Json<Value>, ApiError> {
    let catalog: Vec<Value> = sqlx::query_scalar("SELECT app.row_json(row_to_json(p)) FROM app.products p ORDER BY sku").fetch_all(&state.db).await?;
    Ok(Json(json!({ "products": workflows::data_pipeline::analysis::js_numbers(Value::Array(catalog)) })))
}

/// A running app: HTTP server, worker, jobs, and (in development) the orchestration server.
pub struct App {
    /// e.g. `http://127.0.0.1:3000` (`None` with `serve_http: false`).
    pub url: Option<String>,
    /// The orchestration server.
    pub orchestration_url: String,
    state: AppState,
    worker: Option<WorkerHandle>,
    shutdown: CancellationToken,
    server: Option<JoinHandle<()>>,
    dev_server: Option<DevServer>,
}

impl App {
    /// Opens the database (creating it when missing) and migrates it, starts the orchestration
    /// server when none is configured, registers the templates, starts the worker for the
    /// configured namespaces and the HTTP server.
    pub async fn start(config: Config) -> Result<App, String> {
        orchestration::ensure_database(&config.database_url).await?;
        let db = PgPoolOptions::new()
            .max_connections(20)
            .acquire_timeout(Duration::from_secs(10))
            .connect(&config.database_url)
            .await
            .map_err(|e| format!("cannot connect to the app database: {e}"))?;
        MIGRATOR.run(&db).await.map_err(|e| format!("migrating the app database failed: {e}"))?;

        let mut dev_server = None;
        let (orchestration_url, api_key) = match &config.orchestration_url {
            Some(url) => (url.clone(), config.api_key.clone()),
            None => {
                orchestration::ensure_database(&config.tasker_database_url).await?;
                let key = config.api_key.clone().unwrap_or_else(|| DEV_API_KEY.to_owned());
                let server = DevServer::start(&config.tasker_database_url, config.orchestration_port, &key).await?;
                let url = server.url.clone();
                dev_server = Some(server);
                (url, Some(key))
            }
        };
        let tasker = TaskerClient::new(&orchestration_url, api_key.clone()).map_err(|e| e.to_string())?;

        let listener = if config.serve_http {
            Some(tokio::net::TcpListener::bind((config.host.as_str(), config.port)).await.map_err(|e| format!("cannot listen on {}:{}: {e}", config.host, config.port))?)
        } else {
            None
        };
        let port = listener.as_ref().and_then(|l| l.local_addr().ok()).map(|a| a.port());
        let services_base = config
            .services_base_url
            .clone()
            .or_else(|| port.map(|p| format!("http://127.0.0.1:{p}{}", services::INTERNAL_PATH)))
            .unwrap_or_else(|| format!("http://127.0.0.1:3000{}", services::INTERNAL_PATH));
        let state = AppState {
            db,
            tasker,
            jobs: JobQueue::new(),
            http: reqwest::Client::builder().connect_timeout(Duration::from_secs(5)).build().map_err(|e| e.to_string())?,
            services_base: Arc::from(services_base.trim_end_matches('/')),
            dataset_dir: Arc::new(config.dataset_dir.clone()),
        };
        workflows::register_jobs(&state);

        let worker = if config.worker_namespaces.is_empty() {
            None
        } else {
            let registry = workflows::handlers(&state).only_namespaces(&config.worker_namespaces);
            let mut worker_config = WorkerConfig::new(&orchestration_url, config.worker_namespaces.clone())
                .concurrency(config.worker_concurrency)
                .shutdown_timeout(config.shutdown_timeout);
            worker_config.api_key = api_key;
            worker_config.templates = workflows::TEMPLATES.iter().map(|(_, yaml)| (*yaml).to_owned()).collect();
            let hook_state = state.clone();
            let started = Worker::new(worker_config, registry)
                .on_task_finished(move |finished| rows::on_task_finished(hook_state.clone(), finished.task_uuid))
                .start()
                .await
                .map_err(|e| format!("the worker did not start: {e}"))?;
            Some(started)
        };

        let shutdown = CancellationToken::new();
        let server = listener.map(|listener| {
            let app = router(state.clone());
            let stop = shutdown.clone();
            tokio::spawn(async move {
                let served = axum::serve(listener, app).with_graceful_shutdown(async move { stop.cancelled().await }).await;
                if let Err(e) = served {
                    tracing::error!(error = %e, "the HTTP server stopped");
                }
            })
        });
        Ok(App { url: port.map(|p| format!("http://127.0.0.1:{p}")), orchestration_url, state, worker, shutdown, server, dev_server })
    }

    /// The app's state (database, client, jobs), for tests and tools.
    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// The worker's id, when this process runs one.
    pub fn worker_id(&self) -> Option<String> {
        self.worker.as_ref().map(|w| w.worker_id().to_owned())
    }

    /// Graceful stop: HTTP server, worker (drain, wait, deregister), background jobs, the
    /// orchestration server it started, the database pool.
    pub async fn stop(mut self) {
        self.shutdown.cancel();
        if let Some(server) = self.server.take() {
            let _ = tokio::time::timeout(Duration::from_secs(10), server).await;
        }
        if let Some(worker) = self.worker.take() {
            worker.stop().await;
        }
        self.state.jobs.close(Duration::from_secs(10)).await;
        if let Some(mut dev) = self.dev_server.take() {
            dev.stop().await;
        }
        self.state.db.close().await;
    }
}
