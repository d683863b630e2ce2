//! What every route and handler needs, passed explicitly (no globals), so one process (or one
//! test) can run several apps on different databases.

use std::path::PathBuf;
use std::sync::Arc;

use sqlx::PgPool;
use tasker_worker::TaskerClient;

use crate::jobs::JobQueue;

/// The app's shared state. Cheap to clone.
#[derive(Clone)]
pub struct AppState {
    /// The app's own database.
    pub db: PgPool,
    /// The orchestration API.
    pub tasker: TaskerClient,
    /// Background jobs (emails, async order intake).
    pub jobs: JobQueue,
    /// HTTP client for downstream services and datasets.
    pub http: reqwest::Client,
    /// Base URL of the user-profile and order-history services (no trailing slash).
    pub services_base: Arc<str>,
    /// `file://` datasets must live here.
    pub dataset_dir: Arc<PathBuf>,
}
