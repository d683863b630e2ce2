//! Where a job's rows come from: a `file://` path under the dataset directory, an `http://`
//! URL (CSV or JSON), or, without a URL, the deterministic generated dataset. Errors say whether
//! trying again can help: an unreadable source is permanent, a 5xx or a timeout is retryable.
//! The rows are kept in `app.analytics_datasets` (one row per job), so the parallel steps read
//! them from the database instead of passing 1,000 rows through step results.

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use sqlx::Row as _;
use tasker_worker::StepError;

use super::analysis::{columns_of, generate_dataset, parse_csv, Row};
use crate::state::AppState;

/// Rows are stored in one jsonb value; larger datasets belong in object storage.
pub const MAX_ROWS: usize = 50_000;
/// The largest source read.
pub const MAX_BYTES: usize = 20 * 1024 * 1024;

/// A loaded dataset.
#[derive(Debug, Clone)]
pub struct Dataset {
    /// Where the rows came from.
    pub origin: String,
    /// Column names in first-seen order.
    pub columns: Vec<String>,
    /// The rows.
    pub rows: Vec<Row>,
}

/// Why a dataset_url is not acceptable, or `None` when it is (checked at POST and at ingest).
pub fn dataset_url_problem(url: &str, dataset_dir: &Path) -> Option<String> {
    if url.starts_with("http://") || url.starts_with("https://") {
        return None;
    }
    let Some(path) = url.strip_prefix("file://") else {
        return Some("must be an absolute file:// or http(s):// URL".into());
    };
    let path = PathBuf::from(percent_decode(path));
    if !path.is_absolute() || !is_inside(&normalize(&path), &normalize(dataset_dir)) {
        return Some(format!("file datasets must be inside {} (DATASET_DIR)", dataset_dir.display()));
    }
    None
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let Some(b) = std::str::from_utf8(&bytes[i + 1..i + 3]).ok().and_then(|h| u8::from_str_radix(h, 16).ok()) {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// `a/./b/../c` -> `a/c`, without touching the file system.
fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for part in path.components() {
        match part {
            std::path::Component::ParentDir => {
                out.pop();
            }
            std::path::Component::CurDir => {}
            other => out.push(other),
        }
    }
    out
}

fn is_inside(path: &Path, dir: &Path) -> bool {
    path != dir && path.starts_with(dir)
}

/// The sha256 of a value's JSON.
pub fn checksum_of(value: &Value) -> String {
    let digest = Sha256::digest(value.to_string().as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// Loads the job's rows.
pub async fn load_dataset(state: &AppState, job_id: i64, dataset_url: Option<&str>, timeout: Duration) -> Result<Dataset, StepError> {
    let Some(url) = dataset_url.filter(|u| !u.is_empty()) else {
        let rows = generate_dataset(job_id, 1000);
        return Ok(Dataset { origin: format!("generated from job {job_id}"), columns: columns_of(&rows), rows });
    };
    if let Some(problem) = dataset_url_problem(url, &state.dataset_dir) {
        return Err(StepError::permanent(format!("dataset_url {problem}")).code("invalid_dataset_url"));
    }
    let (text, json) = if let Some(path) = url.strip_prefix("file://") {
        read_local(Path::new(&percent_decode(path)), &state.dataset_dir).await?
    } else {
        fetch_remote(state, url, timeout).await?
    };
    let (columns, rows) = parse_rows(&text, json, url)?;
    Ok(Dataset { origin: url.to_owned(), columns, rows })
}

async fn read_local(path: &Path, dir: &Path) -> Result<(String, bool), StepError> {
    let unreadable = |why: String| StepError::permanent(format!("cannot read dataset file {}: {why}", path.display())).code("dataset_unreadable");
    // Symlinks must not lead out of the dataset directory either.
    let real = tokio::fs::canonicalize(path).await.map_err(|e| unreadable(e.to_string()))?;
    let real_dir = tokio::fs::canonicalize(dir).await.map_err(|e| unreadable(e.to_string()))?;
    if !is_inside(&real, &real_dir) {
        return Err(unreadable(format!("resolves outside {}", dir.display())));
    }
    let bytes = tokio::fs::read(&real).await.map_err(|e| unreadable(e.to_string()))?;
    if bytes.len() > MAX_BYTES {
        return Err(unreadable(format!("larger than {MAX_BYTES} bytes")));
    }
    let text = String::from_utf8(bytes).map_err(|e| unreadable(e.to_string()))?;
    let json = path.extension().is_some_and(|e| e.eq_ignore_ascii_case("json"));
    Ok((text, json))
}

async fn fetch_remote(state: &AppState, url: &str, timeout: Duration) -> Result<(String, bool), StepError> {
    let response = state.http.get(url).timeout(timeout).send().await.map_err(|e| {
        if url.starts_with("https://") && e.is_builder() {
            StepError::permanent(format!("{url}: https datasets need the app built with TLS (feature rustls)")).code("dataset_unreadable")
        } else {
            StepError::retryable(format!("fetching {url} failed: {e}")).code("dataset_fetch_failed")
        }
    })?;
    let status = response.status().as_u16();
    if status >= 500 || status == 429 {
        let retry_after = response.headers().get("retry-after").and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<u64>().ok());
        let mut error = StepError::retryable(format!("fetching {url} answered {status}")).code("dataset_source_unavailable");
        if let Some(seconds) = retry_after.filter(|s| *s > 0) {
            error = error.retry_after(Duration::from_secs(seconds));
        }
        return Err(error);
    }
    if !response.status().is_success() {
        return Err(StepError::permanent(format!("fetching {url} answered {status}; check the dataset_url")).code("dataset_unreadable"));
    }
    if let Some(length) = response.content_length().filter(|l| *l as usize > MAX_BYTES) {
        return Err(StepError::permanent(format!("dataset at {url} is {length} bytes; the limit is {MAX_BYTES}")).code("dataset_too_large"));
    }
    let json = response.headers().get("content-type").and_then(|v| v.to_str().ok()).is_some_and(|t| t.contains("json")) || url.to_lowercase().ends_with(".json");
    // The body stalled past the timeout, or the connection dropped mid-body: worth another try.
    let text = response.text().await.map_err(|e| StepError::retryable(format!("reading {url} failed: {e}")).code("dataset_fetch_failed"))?;
    Ok((text, json))
}

/// Parses CSV, or JSON as a list of objects or `{rows: [...]}`; permanent error when it is neither.
pub fn parse_rows(text: &str, json: bool, origin: &str) -> Result<(Vec<String>, Vec<Row>), StepError> {
    let unreadable = |message: String| StepError::permanent(message).code("dataset_unreadable");
    let (columns, rows) = if json {
        let parsed: Value = serde_json::from_str(text).map_err(|e| unreadable(format!("dataset {origin} is not valid JSON: {e}")))?;
        let list = match parsed {
            Value::Array(items) => Some(items),
            Value::Object(mut map) => match map.remove("rows") {
                Some(Value::Array(items)) => Some(items),
                _ => None,
            },
            _ => None,
        };
        let rows: Option<Vec<Row>> = list.and_then(|items| {
            items
                .into_iter()
                .map(|item| match item {
                    Value::Object(map) => Some(map),
                    _ => None,
                })
                .collect()
        });
        let rows = rows.ok_or_else(|| unreadable(format!("dataset {origin} must be a list of row objects (or {{\"rows\": [...]}})")))?;
        (columns_of(&rows), rows)
    } else {
        let (_, rows) = parse_csv(text).map_err(|e| unreadable(format!("dataset {origin} is not valid CSV: {e}")))?;
        (columns_of(&rows), rows)
    };
    if rows.is_empty() {
        return Err(StepError::permanent(format!("dataset {origin} has no rows")).code("dataset_empty"));
    }
    if rows.len() > MAX_ROWS {
        return Err(StepError::permanent(format!("dataset {origin} has {} rows; the limit is {MAX_ROWS}", rows.len())).code("dataset_too_large"));
    }
    Ok((columns, rows))
}

/// Stores (or replaces, on a retry) the job's dataset; returns its checksum.
pub async fn save_dataset(state: &AppState, job_id: i64, dataset: &Dataset) -> Result<String, StepError> {
    let rows = Value::Array(dataset.rows.iter().cloned().map(Value::Object).collect());
    let checksum = checksum_of(&rows);
    sqlx::query(
        "INSERT INTO app.analytics_datasets (job_id, origin, columns, rows, row_count, checksum) VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (job_id) DO UPDATE SET origin = $2, columns = $3, rows = $4, row_count = $5, checksum = $6, loaded_at = now()",
    )
    .bind(job_id as i32)
    .bind(&dataset.origin)
    .bind(json!(dataset.columns))
    .bind(&rows)
    .bind(dataset.rows.len() as i32)
    .bind(&checksum)
    .execute(&state.db)
    .await?;
    Ok(checksum)
}

/// The rows ingest_data stored for the job.
pub async fn load_stored(state: &AppState, job_id: i64) -> Result<Dataset, StepError> {
    let row = sqlx::query("SELECT origin, columns, rows FROM app.analytics_datasets WHERE job_id = $1").bind(job_id as i32).fetch_optional(&state.db).await?;
    let Some(row) = row else {
        return Err(StepError::permanent(format!("no dataset stored for analytics job {job_id}; ingest_data must run first")).code("dataset_missing"));
    };
    let columns: Vec<String> = serde_json::from_value(row.try_get("columns")?)?;
    let rows: Vec<Row> = serde_json::from_value(row.try_get("rows")?)?;
    Ok(Dataset { origin: row.try_get("origin")?, columns, rows })
}
