//! Development conveniences: create the app's (and the engine's) PostgreSQL database when it is
//! missing, and start the orchestration server (`tasker-ctl serve` from this repository) when no
//! `ORCHESTRATION_URL` is given.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use sqlx::{Connection, Executor, PgConnection};
use tokio::process::{Child, Command};

/// Creates the database of `url` when it does not exist (connecting to `postgres` on the same
/// server).
pub async fn ensure_database(url: &str) -> Result<(), String> {
    let (server, name) = url.rsplit_once('/').ok_or_else(|| format!("{url} names no database"))?;
    let name = name.split('?').next().unwrap_or(name);
    if PgConnection::connect(url).await.is_ok() {
        return Ok(());
    }
    if !name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
        return Err(format!("database {name:?} does not exist; create it first"));
    }
    let mut admin = PgConnection::connect(&format!("{server}/postgres")).await.map_err(|e| format!("cannot reach PostgreSQL at {server}: {e}"))?;
    admin.execute(format!(r#"CREATE DATABASE "{name}""#).as_str()).await.map_err(|e| format!("cannot create database {name}: {e}"))?;
    tracing::info!(database = name, "created the database");
    Ok(())
}

/// The tasker-ts checkout (for `packages/tasker/bin/tasker-ctl.js`).
fn repo_root() -> Option<PathBuf> {
    let configured = std::env::var("TASKER_REPO_ROOT").ok().map(PathBuf::from);
    let from_manifest = Path::new(env!("CARGO_MANIFEST_DIR")).ancestors().map(Path::to_path_buf);
    configured.into_iter().chain(from_manifest).find(|p| p.join("packages/tasker/bin/tasker-ctl.js").is_file())
}

/// A `tasker-ctl serve` this process started; stopped with the app.
pub struct DevServer {
    child: Child,
    /// Its URL.
    pub url: String,
}

impl DevServer {
    /// Starts `tasker-ctl serve` on `port` over `database_url` with API keys on (`api_key`
    /// gets every permission), and waits until it answers.
    pub async fn start(database_url: &str, port: u16, api_key: &str) -> Result<Self, String> {
        let root = repo_root().ok_or("cannot find the tasker-ts checkout to start tasker-ctl serve; set ORCHESTRATION_URL or TASKER_REPO_ROOT")?;
        let keys = serde_json::json!([{ "name": "axum-app", "key": api_key, "permissions": ["*"] }]);
        let child = Command::new("node")
            .arg("packages/tasker/bin/tasker-ctl.js")
            .args(["serve", "--database-url", database_url, "--port", &port.to_string(), "--host", "127.0.0.1"])
            .current_dir(&root)
            .env("TASKER_TEMPLATE_PATH", "")
            .env("TASKER_AUTH_ENABLED", "true")
            .env("TASKER_API_KEYS", keys.to_string())
            .stdin(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .map_err(|e| format!("cannot start node packages/tasker/bin/tasker-ctl.js serve: {e}"))?;
        let mut server = Self { child, url: format!("http://127.0.0.1:{port}") };
        let client = reqwest::Client::new();
        for _ in 0..600 {
            if let Ok(Some(status)) = server.child.try_wait() {
                return Err(format!("tasker-ctl serve exited ({status}); is port {port} free?"));
            }
            let live = client.get(format!("{}/health/live", server.url)).timeout(Duration::from_secs(2)).send().await;
            if live.is_ok_and(|r| r.status().is_success()) {
                return Ok(server);
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        server.stop().await;
        Err("tasker-ctl serve did not answer within 60 s".into())
    }

    /// SIGTERM, then SIGKILL after 10 s.
    pub async fn stop(&mut self) {
        if let Some(pid) = self.child.id() {
            let _ = Command::new("kill").args(["-TERM", &pid.to_string()]).status().await;
            if tokio::time::timeout(Duration::from_secs(10), self.child.wait()).await.is_ok() {
                return;
            }
        }
        let _ = self.child.kill().await;
    }
}
