//! Test support (feature `testing`): a real orchestration server (`tasker-ctl serve`) on a fresh
//! PostgreSQL database, for tests of this SDK and of apps built on it.
//!
//! ```no_run
//! # async fn demo() -> Result<(), tasker_worker::testing::TestError> {
//! use tasker_worker::testing::{TaskerServer, TestDatabase};
//!
//! let db = TestDatabase::create("my_app_engine").await?;
//! let mut server = TaskerServer::start(&db.url).await?;
//! // ... server.url, server.admin_key, server.worker_key ...
//! server.stop().await;
//! db.drop().await;
//! # Ok(()) }
//! ```
//!
//! Needs Node.js and this repository's checkout (found from the working directory upwards, or
//! `TASKER_REPO_ROOT`), and PostgreSQL at `TASKER_TEST_PG_URL` (default
//! `postgres://postgres:postgres@127.0.0.1:5432/postgres`).

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use sqlx::{Connection, Executor, PgConnection};
use tokio::process::{Child, Command};

/// The admin key of a [`TaskerServer`] (every permission).
pub const ADMIN_KEY: &str = "rust-tests-admin-key-0123456789";
/// The worker key of a [`TaskerServer`] (`worker`, `templates:write`, `tasks:read`, `tasks:write`).
pub const WORKER_KEY: &str = "rust-tests-worker-key-0123456789";

/// The PostgreSQL server tests use.
pub fn admin_database_url() -> String {
    std::env::var("TASKER_TEST_PG_URL").unwrap_or_else(|_| "postgres://postgres:postgres@127.0.0.1:5432/postgres".to_owned())
}

/// What test support fails with.
pub type TestError = Box<dyn std::error::Error + Send + Sync>;

/// A uniquely named PostgreSQL database, for one test run. Call [`drop`](Self::drop) at the end.
#[derive(Debug, Clone)]
pub struct TestDatabase {
    /// Its connection string.
    pub url: String,
    /// Its name.
    pub name: String,
    admin_url: String,
}

impl TestDatabase {
    /// Creates `<prefix>_<unique>` on the test server.
    pub async fn create(prefix: &str) -> Result<Self, TestError> {
        let admin_url = admin_database_url();
        let nanos = SystemTime::now().duration_since(UNIX_EPOCH)?.as_nanos();
        let name = format!("{}_{:x}_{:x}", prefix.to_lowercase(), nanos, std::process::id());
        let mut conn = PgConnection::connect(&admin_url).await?;
        conn.execute(format!(r#"CREATE DATABASE "{name}""#).as_str()).await?;
        conn.close().await?;
        let (base, _) = admin_url.rsplit_once('/').ok_or("TASKER_TEST_PG_URL has no database name")?;
        let url = format!("{base}/{name}");
        Ok(Self { url, name, admin_url })
    }

    /// Drops the database (ending its connections). Errors are ignored: tests clean up on a
    /// best-effort basis.
    pub async fn drop(&self) {
        if let Ok(mut conn) = PgConnection::connect(&self.admin_url).await {
            let _ = conn.execute(format!(r#"DROP DATABASE IF EXISTS "{}" WITH (FORCE)"#, self.name).as_str()).await;
            let _ = conn.close().await;
        }
    }
}

/// The tasker-ts checkout holding `packages/tasker/bin/tasker-ctl.js`.
pub fn repo_root() -> Result<PathBuf, TestError> {
    let mut candidates: Vec<PathBuf> = Vec::new();
    if let Ok(root) = std::env::var("TASKER_REPO_ROOT") {
        candidates.push(PathBuf::from(root));
    }
    if let Ok(cwd) = std::env::current_dir() {
        candidates.extend(cwd.ancestors().map(Path::to_path_buf));
    }
    candidates.extend(Path::new(env!("CARGO_MANIFEST_DIR")).ancestors().map(Path::to_path_buf));
    candidates
        .into_iter()
        .find(|p| p.join("packages/tasker/bin/tasker-ctl.js").is_file())
        .ok_or_else(|| "cannot find the tasker-ts checkout (packages/tasker/bin/tasker-ctl.js); set TASKER_REPO_ROOT".into())
}

/// A free loopback port.
pub fn free_port() -> Result<u16, TestError> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

/// `tasker-ctl serve` on a database, with API keys on; stopped by [`stop`](Self::stop) (or
/// killed when dropped).
#[derive(Debug)]
pub struct TaskerServer {
    /// e.g. `http://127.0.0.1:41234`.
    pub url: String,
    /// A key with every permission.
    pub admin_key: String,
    /// A key with `worker`, `templates:write`, `tasks:read` and `tasks:write`.
    pub worker_key: String,
    child: Option<Child>,
}

impl TaskerServer {
    /// Starts the server on a free port and waits (up to 60 s) until it answers.
    /// `TASKER_TEST_VERBOSE=1` shows its output.
    pub async fn start(database_url: &str) -> Result<Self, TestError> {
        let root = repo_root()?;
        let port = free_port()?;
        let keys = serde_json::json!([
            { "name": "rust-tests-admin", "key": ADMIN_KEY, "permissions": ["*"] },
            { "name": "rust-tests-worker", "key": WORKER_KEY, "permissions": ["worker", "templates:write", "tasks:read", "tasks:write"] },
        ]);
        let verbose = std::env::var("TASKER_TEST_VERBOSE").is_ok_and(|v| !v.is_empty() && v != "0");
        let output = || if verbose { Stdio::inherit() } else { Stdio::null() };
        let child = Command::new("node")
            .arg("packages/tasker/bin/tasker-ctl.js")
            .args(["serve", "--database-url", database_url, "--port", &port.to_string(), "--host", "127.0.0.1"])
            .current_dir(&root)
            .env("TASKER_TEMPLATE_PATH", "")
            .env("TASKER_AUTH_ENABLED", "true")
            .env("TASKER_API_KEYS", keys.to_string())
            .env("LOG_LEVEL", std::env::var("TASKER_TEST_LOG_LEVEL").unwrap_or_else(|_| "warn".into()))
            .stdin(Stdio::null())
            .stdout(output())
            .stderr(output())
            .kill_on_drop(true)
            .spawn()
            .map_err(|e| format!("cannot start `node packages/tasker/bin/tasker-ctl.js serve` in {}: {e}", root.display()))?;
        let mut server =
            Self { url: format!("http://127.0.0.1:{port}"), admin_key: ADMIN_KEY.into(), worker_key: WORKER_KEY.into(), child: Some(child) };
        let client = reqwest::Client::new();
        let until = tokio::time::Instant::now() + Duration::from_secs(60);
        loop {
            if let Some(child) = server.child.as_mut() {
                if let Some(status) = child.try_wait()? {
                    return Err(format!("tasker-ctl serve exited at start ({status}); TASKER_TEST_VERBOSE=1 shows why").into());
                }
            }
            let live = client.get(format!("{}/health/live", server.url)).timeout(Duration::from_secs(2)).send().await;
            if live.is_ok_and(|r| r.status().is_success()) {
                return Ok(server);
            }
            if tokio::time::Instant::now() > until {
                server.stop().await;
                return Err("tasker-ctl serve did not answer within 60 s".into());
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Stops the server (SIGTERM, then SIGKILL after 10 s).
    pub async fn stop(&mut self) {
        let Some(mut child) = self.child.take() else { return };
        if let Some(pid) = child.id() {
            // tokio's Child has no SIGTERM; `kill -TERM` lets the server close cleanly.
            let _ = Command::new("kill").args(["-TERM", &pid.to_string()]).status().await;
            if tokio::time::timeout(Duration::from_secs(10), child.wait()).await.is_ok() {
                return;
            }
        }
        let _ = child.kill().await;
    }
}
