//! Email through the outbox: the message is written to `email_outbox` first (once per dedupe
//! key), then a job on the `email` queue delivers it and marks it sent. A lost job never loses
//! the message (it is in the table), and a duplicate job never sends it twice.

use std::time::Duration;

use serde_json::{json, Value};
use sqlx::Row;
use tasker_worker::StepError;

use crate::jobs::{Job, JobOptions, JobQueue};
use crate::state::AppState;

/// The queue emails are delivered from.
pub const EMAIL_QUEUE: &str = "email";

/// A message as stored in the outbox.
#[derive(Debug, Clone)]
pub struct OutboxMessage {
    /// `msg_...`.
    pub message_id: String,
    /// Its subject.
    pub subject: String,
    /// `queued`, `sent` or `failed`.
    pub status: String,
}

/// Writes the message to the outbox (once per dedupe key) and queues its delivery.
pub async fn enqueue_email(state: &AppState, dedupe_key: &str, recipients: &[String], subject: &str, body: &str) -> Result<OutboxMessage, StepError> {
    sqlx::query(
        "INSERT INTO app.email_outbox (message_id, dedupe_key, recipients, subject, body)
         VALUES ('msg_' || substr(replace(gen_random_uuid()::text, '-', ''), 1, 20), $1, $2, $3, $4)
         ON CONFLICT (dedupe_key) DO NOTHING",
    )
    .bind(dedupe_key)
    .bind(json!(recipients))
    .bind(subject)
    .bind(body)
    .execute(&state.db)
    .await?;
    let row = sqlx::query("SELECT message_id, subject, status FROM app.email_outbox WHERE dedupe_key = $1")
        .bind(dedupe_key)
        .fetch_one(&state.db)
        .await?;
    let message = OutboxMessage { message_id: row.try_get("message_id")?, subject: row.try_get("subject")?, status: row.try_get("status")? };
    if message.status != "sent" {
        let options = JobOptions { attempts: 5, backoff: Duration::from_millis(500), job_id: Some(message.message_id.clone()) };
        state.jobs.add(EMAIL_QUEUE, json!({ "message_id": message.message_id }), options)?;
    }
    Ok(message)
}

/// Starts delivering outbox messages (a logging transport: swap in SMTP or an API in production).
pub fn register_delivery(jobs: &JobQueue, db: sqlx::PgPool) {
    jobs.process(EMAIL_QUEUE, 4, move |job: Job| {
        let db = db.clone();
        async move { deliver(&db, &job).await.map_err(|e| e.to_string()) }
    });
}

async fn deliver(db: &sqlx::PgPool, job: &Job) -> Result<(), sqlx::Error> {
    let id = job.data.get("message_id").and_then(Value::as_str).unwrap_or_default();
    let Some(row) = sqlx::query("SELECT recipients, subject, status FROM app.email_outbox WHERE message_id = $1").bind(id).fetch_optional(db).await? else {
        return Ok(());
    };
    let status: String = row.try_get("status")?;
    if status == "sent" {
        return Ok(());
    }
    let recipients: Value = row.try_get("recipients")?;
    let subject: String = row.try_get("subject")?;
    tracing::info!(message_id = id, to = %recipients, subject, "email sent");
    sqlx::query("UPDATE app.email_outbox SET status = 'sent', sent_at = now(), attempts = attempts + 1, last_error = NULL WHERE message_id = $1")
        .bind(id)
        .execute(db)
        .await?;
    Ok(())
}
