//! The eight step handlers of `data_pipeline_rs/analytics_pipeline`.

use std::time::{Duration, Instant};

use serde::Deserialize;
use serde_json::{json, Value};
use sqlx::Row as _;
use tasker_worker::{NoDeps, StepContext, StepError};

use super::analysis::{self, js_numbers, Aggregates, ReportInput};
use super::dataset::{checksum_of, load_dataset, load_stored, save_dataset};
use crate::email::enqueue_email;
use crate::state::AppState;

/// The task context of analytics_pipeline.
#[derive(Debug, Clone, Deserialize)]
pub struct JobContext {
    /// The analytics job's row id.
    pub job_id: i64,
    /// Its source name.
    pub source: String,
    /// Where the rows are (none: generated).
    #[serde(default)]
    pub dataset_url: Option<String>,
}

/// Runs `work`, then waits out the template's `simulated_work_ms` (standing in for the heavier
/// analysis a real dataset needs; 0 turns it off), and adds the wall-clock bounds to the
/// result, so anyone can see that the parallel branches overlapped.
async fn timed(ctx: &StepContext, work: impl std::future::Future<Output = Result<Value, StepError>>) -> Result<Value, StepError> {
    let started_at = crate::time::now_iso();
    let started = Instant::now();
    let mut result = work.await?;
    let floor = Duration::from_millis(ctx.init_value("simulated_work_ms").and_then(Value::as_u64).unwrap_or(0));
    if let Some(left) = floor.checked_sub(started.elapsed()) {
        ctx.sleep(left).await?;
    }
    result["started_at"] = json!(started_at);
    result["finished_at"] = json!(crate::time::now_iso());
    result["duration_ms"] = json!(started.elapsed().as_millis() as u64);
    Ok(js_numbers(result))
}

/// Step 1: loads the rows (file, URL or generated) and stores them for the analysis steps.
pub async fn ingest_data(state: AppState, ctx: StepContext, input: JobContext, _deps: NoDeps) -> Result<Value, StepError> {
    let timeout = Duration::from_millis(ctx.init_value("fetch_timeout_ms").and_then(Value::as_u64).unwrap_or(10_000));
    let dataset = load_dataset(&state, input.job_id, input.dataset_url.as_deref(), timeout).await?;
    let checksum = save_dataset(&state, input.job_id, &dataset).await?;
    Ok(json!({
        "row_count": dataset.rows.len(),
        "columns": dataset.columns,
        "origin": dataset.origin,
        "checksum": checksum,
        "stored_in": "app.analytics_datasets",
    }))
}

/// Step 2a (parallel): required columns and types; fails the job when most rows are invalid.
pub async fn validate_schema(state: AppState, ctx: StepContext, input: JobContext, _deps: NoDeps) -> Result<Value, StepError> {
    timed(&ctx, async {
        let dataset = load_stored(&state, input.job_id).await?;
        let validation = analysis::validate_dataset(&dataset.rows, &dataset.columns);
        if validation["invalid_share"].as_f64().unwrap_or(0.0) > analysis::MAX_INVALID_SHARE {
            let missing: Vec<&str> = validation["missing_columns"].as_array().into_iter().flatten().filter_map(Value::as_str).collect();
            let mut message = format!("{} of {} rows are invalid (more than half)", validation["invalid_rows"], validation["total_rows"]);
            if !missing.is_empty() {
                message.push_str(&format!("; missing columns: {}", missing.join(", ")));
            }
            message.push_str("; check the dataset's columns: date, region, product, quantity, amount");
            return Err(StepError::permanent(message).code("dataset_invalid").metadata(validation));
        }
        Ok(validation)
    })
    .await
}

/// Step 2b (parallel): per-column statistics (min, max, mean, nulls, distinct).
pub async fn enrich_metadata(state: AppState, ctx: StepContext, input: JobContext, _deps: NoDeps) -> Result<Value, StepError> {
    timed(&ctx, async {
        let dataset = load_stored(&state, input.job_id).await?;
        Ok(json!({ "row_count": dataset.rows.len(), "column_stats": analysis::profile_columns(&dataset.rows, &dataset.columns) }))
    })
    .await
}

/// Step 2c (parallel): rows whose amount lies more than `sigmas` standard deviations from the mean.
pub async fn detect_anomalies(state: AppState, ctx: StepContext, input: JobContext, _deps: NoDeps) -> Result<Value, StepError> {
    let sigmas = ctx.init_value("sigmas").and_then(Value::as_f64).unwrap_or(3.0);
    timed(&ctx, async {
        let dataset = load_stored(&state, input.job_id).await?;
        Ok(analysis::detect_anomalies(&dataset.rows, "amount", sigmas, 50))
    })
    .await
}

/// The three analyses, as the fan-in reads them.
#[derive(Debug, Deserialize)]
pub struct AnalysesDeps {
    /// validate_schema's result.
    pub validate_schema: Value,
    /// enrich_metadata's result.
    pub enrich_metadata: EnrichResult,
    /// detect_anomalies' result.
    pub detect_anomalies: Value,
}

/// enrich_metadata's result.
#[derive(Debug, Deserialize)]
pub struct EnrichResult {
    /// Per column.
    pub column_stats: serde_json::Map<String, Value>,
}

/// Step 3 (fan-in): totals by region and product from the valid rows, with the three
/// branches' findings.
pub async fn aggregate_results(state: AppState, _ctx: StepContext, input: JobContext, deps: AnalysesDeps) -> Result<Value, StepError> {
    let dataset = load_stored(&state, input.job_id).await?;
    let mut result = serde_json::to_value(analysis::aggregate(&analysis::valid_rows(&dataset.rows)))?;
    result["valid_rows"] = deps.validate_schema["valid_rows"].clone();
    result["invalid_rows"] = deps.validate_schema["invalid_rows"].clone();
    result["anomaly_count"] = deps.detect_anomalies["anomaly_count"].clone();
    result["columns_profiled"] = json!(deps.enrich_metadata.column_stats.len());
    Ok(js_numbers(result))
}

/// ingest_data's result, as the report reads it.
#[derive(Debug, Deserialize)]
pub struct IngestResult {
    /// Where the rows came from.
    pub origin: String,
    /// The columns.
    pub columns: Vec<String>,
}

/// What generate_report reads.
#[derive(Debug, Deserialize)]
pub struct ReportDeps {
    /// ingest_data's result.
    pub ingest_data: IngestResult,
    /// validate_schema's result.
    pub validate_schema: Value,
    /// enrich_metadata's result.
    pub enrich_metadata: Value,
    /// detect_anomalies' result.
    pub detect_anomalies: Value,
    /// aggregate_results' result.
    pub aggregate_results: Aggregates,
}

/// Step 4: the report (JSON + Markdown), saved on the job (`result`) and in analytics_reports.
pub async fn generate_report(state: AppState, _ctx: StepContext, input: JobContext, deps: ReportDeps) -> Result<Value, StepError> {
    let report = js_numbers(analysis::build_report(&ReportInput {
        job_id: input.job_id,
        source: &input.source,
        origin: &deps.ingest_data.origin,
        columns: &deps.ingest_data.columns,
        validation: &deps.validate_schema,
        column_stats: &deps.enrich_metadata["column_stats"],
        anomalies: &deps.detect_anomalies,
        aggregates: &deps.aggregate_results,
        generated_at: crate::time::now_iso(),
    }));
    let markdown = analysis::render_markdown(&report);
    let title = report["title"].as_str().unwrap_or_default().to_owned();
    let saved = sqlx::query(
        "INSERT INTO app.analytics_reports (job_id, title, report, markdown) VALUES ($1, $2, $3, $4)
         ON CONFLICT (job_id) DO UPDATE SET title = $2, report = $3, markdown = $4, updated_at = now() RETURNING id",
    )
    .bind(input.job_id as i32)
    .bind(&title)
    .bind(&report)
    .bind(&markdown)
    .fetch_one(&state.db)
    .await?;
    sqlx::query("UPDATE app.analytics_jobs SET result = $2, updated_at = now() WHERE id = $1")
        .bind(input.job_id as i32)
        .bind(json!({ "report": report, "markdown": markdown }))
        .execute(&state.db)
        .await?;
    Ok(json!({
        "report_id": saved.try_get::<i32, _>("id")?,
        "title": title,
        "highlights": report["highlights"],
        "markdown_chars": markdown.chars().count(),
    }))
}

/// generate_report's result, as the notice reads it.
#[derive(Debug, Deserialize)]
pub struct ReportResult {
    /// The title.
    pub title: String,
    /// The highlights.
    pub highlights: Vec<String>,
}

/// `{generate_report}`.
#[derive(Debug, Deserialize)]
pub struct NotifyDeps {
    /// generate_report's result.
    pub generate_report: ReportResult,
}

/// Step 5: tells the stakeholders (initialization `recipients`) through the email outbox.
pub async fn notify_stakeholders(state: AppState, ctx: StepContext, input: JobContext, deps: NotifyDeps) -> Result<Value, StepError> {
    let recipients: Vec<String> = ctx
        .init_value("recipients")
        .and_then(|v| serde_json::from_value::<Vec<String>>(v.clone()).ok())
        .unwrap_or_else(|| vec!["analytics-team@example.com".into()]);
    let report = deps.generate_report;
    let mut body = vec![format!("{} is ready.", report.title), String::new()];
    body.extend(report.highlights.iter().map(|h| format!("- {h}")));
    body.extend([String::new(), format!("Full report: GET /analytics/jobs/{}", input.job_id)]);
    let message =
        enqueue_email(&state, &format!("analytics:{}:report", input.job_id), &recipients, &format!("Report ready: {}", report.title), &body.join("\n")).await?;
    Ok(json!({ "message_id": message.message_id, "recipients": recipients, "subject": message.subject, "status": message.status }))
}

/// Step 6: a long-term copy of the report in app.report_archive (once per job, with a checksum).
pub async fn archive_results(state: AppState, _ctx: StepContext, input: JobContext, _deps: NoDeps) -> Result<Value, StepError> {
    let job = input.job_id as i32;
    let report = sqlx::query("SELECT report, markdown FROM app.analytics_reports WHERE job_id = $1").bind(job).fetch_optional(&state.db).await?;
    let Some(report) = report else {
        return Err(StepError::permanent(format!("no report for analytics job {job}; generate_report must run first")).code("report_missing"));
    };
    let (body, markdown): (Value, String) = (report.try_get("report")?, report.try_get("markdown")?);
    let checksum = checksum_of(&json!({ "report": body, "markdown": markdown }));
    sqlx::query("INSERT INTO app.report_archive (job_id, report, markdown, checksum) VALUES ($1, $2, $3, $4) ON CONFLICT (job_id) DO NOTHING")
        .bind(job)
        .bind(&body)
        .bind(&markdown)
        .bind(&checksum)
        .execute(&state.db)
        .await?;
    let archived = sqlx::query("SELECT id, checksum, app.iso(archived_at) AS archived_at FROM app.report_archive WHERE job_id = $1").bind(job).fetch_one(&state.db).await?;
    Ok(json!({
        "archive_id": archived.try_get::<i32, _>("id")?,
        "checksum": archived.try_get::<String, _>("checksum")?,
        "archived_at": archived.try_get::<String, _>("archived_at")?,
        "location": "app.report_archive",
    }))
}
