//! The Rust worker under the conformance suite (conformance/README.md): the `conformance.step`
//! handler, whose behaviour comes from the step's initialization.
//!
//! ```sh
//! npx tsx conformance/run.ts --name rust --worker "target/debug/conformance-worker"
//! ```
//!
//! Reads `TASKER_URL`, `TASKER_API_KEY` and `TASKER_NAMESPACES` (set by the runner), and
//! `WORKER_CONCURRENCY` (set by the bench's remote part); stops on SIGTERM or SIGINT (drain,
//! wait, deregister). The bench runs the release build (`target/release/conformance-worker`).

use std::time::Duration;

use serde::Deserialize;
use serde_json::{json, Map, Value};
use tasker_worker::{handler_fn, plan_batches, BatchPlan, Decision, HandlerRegistry, StepContext, StepError, Worker, WorkerConfig};

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Behaviour {
    sleep_ms: Option<u64>,
    fail_attempts: Option<u32>,
    failure: Failure,
    result: Option<Map<String, Value>>,
    echo: bool,
    result_bytes: Option<usize>,
    checkpoint: Option<Map<String, Value>>,
    decide: Option<Decide>,
    batches: Option<Batches>,
    echo_batch: bool,
}

/// `"no_branches"` or `{"create_steps": [...]}`.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum Decide {
    NoBranches(String),
    CreateSteps { create_steps: Vec<String> },
}

#[derive(Debug, Deserialize)]
struct Batches {
    total: u64,
    /// Default: the claim's `batch_config.batch_size`.
    batch_size: Option<u64>,
}

#[derive(Debug, Deserialize)]
#[serde(default)]
struct Failure {
    retryable: bool,
    code: Option<String>,
    message: Option<String>,
    retry_after_ms: Option<u64>,
    metadata: Option<Value>,
}

impl Default for Failure {
    fn default() -> Self {
        Self { retryable: true, code: None, message: None, retry_after_ms: None, metadata: None }
    }
}

async fn step(ctx: StepContext) -> Result<Value, StepError> {
    let b: Behaviour = ctx.init()?;
    if let Some(ms) = b.sleep_ms.filter(|ms| *ms > 0) {
        ctx.sleep(Duration::from_millis(ms)).await?;
    }
    if let Some(checkpoint) = &b.checkpoint {
        let mut value = checkpoint.clone();
        value.insert("attempt".into(), json!(ctx.attempt));
        ctx.checkpoint(value).await?;
    }
    if ctx.attempt <= b.fail_attempts.unwrap_or(0) {
        let f = b.failure;
        let message = f.message.unwrap_or_else(|| format!("{} failed on attempt {}", ctx.step_name, ctx.attempt));
        let mut error = if f.retryable { StepError::retryable(message) } else { StepError::permanent(message) };
        if let Some(code) = f.code {
            error = error.code(code);
        }
        if let Some(metadata) = f.metadata {
            error = error.metadata(metadata);
        }
        if let Some(ms) = f.retry_after_ms.filter(|ms| *ms > 0) {
            error = error.retry_after(Duration::from_millis(ms));
        }
        return Err(error);
    }
    let mut result = Map::new();
    result.insert("step".into(), json!(ctx.step_name));
    result.insert("attempt".into(), json!(ctx.attempt));
    if b.echo {
        result.insert("context".into(), Value::Object(ctx.context.clone()));
        result.insert("dependency_results".into(), Value::Object(ctx.dependency_results.clone()));
        result.insert("initialization".into(), Value::Object(ctx.initialization.clone()));
        result.insert("task_name".into(), json!(ctx.task_name));
        result.insert("namespace".into(), json!(ctx.namespace));
        result.insert("max_attempts".into(), json!(ctx.max_attempts));
    }
    if let Some(bytes) = b.result_bytes.filter(|n| *n > 0) {
        result.insert("padding".into(), json!("x".repeat(bytes)));
    }
    if b.checkpoint.is_some() {
        result.insert("resume_from".into(), ctx.resume_from.clone().map_or(Value::Null, Value::Object));
    }
    if b.echo_batch {
        result.insert("batch".into(), serde_json::to_value(ctx.batch()?).unwrap_or_default());
    }
    result.extend(b.result.unwrap_or_default());
    Ok(match (b.decide, b.batches) {
        (Some(Decide::NoBranches(word)), _) if word != "no_branches" => {
            return Err(StepError::permanent(format!("decide: expected \"no_branches\" or {{\"create_steps\": [...]}}, got {word:?}")));
        }
        (Some(Decide::NoBranches(_)), _) => Decision::no_branches().with_result(result),
        (Some(Decide::CreateSteps { create_steps }), _) => Decision::create_steps(create_steps).with_result(result),
        (None, Some(Batches { total: 0, .. })) => BatchPlan::no_batches().with_result(result),
        (None, Some(Batches { total, batch_size })) => {
            let from_config = ctx.batch_config.as_ref().and_then(|c| c.get("batch_size")).and_then(Value::as_u64);
            let size = batch_size.or(from_config).ok_or_else(|| StepError::permanent("batches: no batch_size, and the claim has no batch_config"))?;
            BatchPlan::create_batches(plan_batches(total, size, 0)).with_result(result)
        }
        (None, None) => Value::Object(result),
    })
}

#[tokio::main]
async fn main() {
    let mut config = match WorkerConfig::from_env() {
        Ok(config) => config,
        Err(e) => {
            eprintln!("conformance-worker: {e}");
            std::process::exit(2);
        }
    };
    if config.namespaces.is_empty() {
        config.namespaces = vec!["conformance".into()];
    }
    // The bench's remote part sets WORKER_CONCURRENCY for every SDK's worker program.
    if let Some(n) = std::env::var("WORKER_CONCURRENCY").ok().and_then(|v| v.trim().parse().ok()) {
        config.concurrency = n;
    }
    let registry = HandlerRegistry::new().with(handler_fn("conformance.step", step));
    let worker = match Worker::new(config, registry).start().await {
        Ok(worker) => worker,
        Err(e) => {
            eprintln!("conformance-worker could not start: {e}");
            std::process::exit(1);
        }
    };
    println!("conformance-worker {} started", worker.worker_id());
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).expect("SIGTERM handler");
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = term.recv() => {}
    }
    worker.stop().await;
}
