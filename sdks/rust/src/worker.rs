//! The worker: registers with the orchestration server, long-polls for claims, runs each step
//! with its deadline, reports the outcome and runs the `next` step the answer carries, keeps its
//! leases with heartbeats, and on stop drains, waits for running steps and deregisters.

use std::collections::HashMap;
use std::future::Future;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use reqwest::Method;
use serde_json::{json, Map, Value};
use tokio::sync::{Notify, OwnedSemaphorePermit, Semaphore};
use tokio::task::JoinHandle;
use tokio::time::{sleep, sleep_until, Instant};
use tokio_util::sync::CancellationToken;

use crate::context::{AttemptStop, Checkpointer, StepContext, StopReason};
use crate::error::{Error, ErrorKind, StepError};
use crate::handler::{BoxFuture, HandlerRegistry, StepResult};
use crate::http::Http;
use crate::protocol::{
    ClaimRequest, ClaimResponse, ClaimedStep, DeregisterResponse, FailureBody, HeartbeatRequest, HeartbeatResponse, Outcome,
    RegisterWorker, RegisteredWorker, ReportResponse, ReportResult, SdkInfo, PROTOCOL_VERSION,
};

/// The SDK's name as workers report it.
pub const SDK_NAME: &str = "tasker-worker-rust";
/// The SDK's version.
pub const SDK_VERSION: &str = env!("CARGO_PKG_VERSION");

const RETRY_FIRST: Duration = Duration::from_millis(100);
const RETRY_MAX: Duration = Duration::from_secs(5);
/// How long a handler asked to stop (cancelled task, lost claim) gets to end on its own.
const STOP_GRACE: Duration = Duration::from_secs(1);
/// A report that got no answer is retried for the longer of the lease and this: once the server
/// is back, a claim nobody took over is still this worker's and the report lands.
const REPORT_RETRY_MIN: Duration = Duration::from_secs(30);
const MAX_MESSAGE_CHARS: usize = 10_000;
const MAX_CODE_CHARS: usize = 255;
const MAX_RETRY_AFTER_MS: u64 = 604_800_000;
const TERMINAL_TASK_STATES: [&str; 4] = ["complete", "error", "cancelled", "resolved_manually"];

/// How a worker connects and behaves. [`WorkerConfig::new`] has the defaults; fields are
/// public, or use the builder methods.
#[derive(Debug, Clone)]
pub struct WorkerConfig {
    /// The orchestration server, e.g. `http://127.0.0.1:8080`.
    pub url: String,
    /// Sent as `X-API-Key`; needs the `worker` permission (and `templates:write` for
    /// [`templates`](Self::templates)).
    pub api_key: Option<String>,
    /// The namespaces whose steps this worker runs.
    pub namespaces: Vec<String>,
    /// Default: `rust-<host>-<pid>-<random>`.
    pub worker_id: Option<String>,
    /// Steps at once (default 10).
    pub concurrency: usize,
    /// A dead worker's steps come back after this long (default 30 s; 1..3600).
    pub lease_seconds: u32,
    /// How long one claim waits for a step (long poll; default 10 s, capped by the server).
    pub claim_wait: Duration,
    /// How long [`WorkerHandle::stop`] lets running steps finish (default 30 s).
    pub shutdown_timeout: Duration,
    /// Template YAML texts registered (`POST /v1/templates`) before the worker registers.
    pub templates: Vec<String>,
}

impl WorkerConfig {
    /// A configuration with the defaults.
    pub fn new(url: impl Into<String>, namespaces: impl IntoIterator<Item = impl Into<String>>) -> Self {
        Self {
            url: url.into(),
            api_key: None,
            namespaces: namespaces.into_iter().map(Into::into).collect(),
            worker_id: None,
            concurrency: 10,
            lease_seconds: 30,
            claim_wait: Duration::from_secs(10),
            shutdown_timeout: Duration::from_secs(30),
            templates: Vec::new(),
        }
    }

    /// From the environment: `TASKER_URL` (default `http://127.0.0.1:8080`), `TASKER_API_KEY`,
    /// `TASKER_NAMESPACES` (comma-separated), `TASKER_WORKER_ID`, `TASKER_CONCURRENCY`.
    pub fn from_env() -> Result<Self, Error> {
        let var = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
        let url = var("TASKER_URL").unwrap_or_else(|| "http://127.0.0.1:8080".to_owned());
        let namespaces: Vec<String> =
            var("TASKER_NAMESPACES").unwrap_or_default().split(',').map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned).collect();
        let mut config = Self::new(url, namespaces);
        config.api_key = var("TASKER_API_KEY");
        config.worker_id = var("TASKER_WORKER_ID");
        if let Some(raw) = var("TASKER_CONCURRENCY") {
            config.concurrency =
                raw.parse().map_err(|_| Error::Config(format!("TASKER_CONCURRENCY must be a whole number (got {raw:?})")))?;
        }
        Ok(config)
    }

    /// Sets the API key.
    #[must_use]
    pub fn api_key(mut self, key: impl Into<String>) -> Self {
        self.api_key = Some(key.into());
        self
    }

    /// Sets the concurrency.
    #[must_use]
    pub fn concurrency(mut self, concurrency: usize) -> Self {
        self.concurrency = concurrency;
        self
    }

    /// Sets the worker id.
    #[must_use]
    pub fn worker_id(mut self, id: impl Into<String>) -> Self {
        self.worker_id = Some(id.into());
        self
    }

    /// Sets the lease.
    #[must_use]
    pub fn lease_seconds(mut self, seconds: u32) -> Self {
        self.lease_seconds = seconds;
        self
    }

    /// Sets the long-poll wait of a claim.
    #[must_use]
    pub fn claim_wait(mut self, wait: Duration) -> Self {
        self.claim_wait = wait;
        self
    }

    /// Sets the shutdown grace period.
    #[must_use]
    pub fn shutdown_timeout(mut self, timeout: Duration) -> Self {
        self.shutdown_timeout = timeout;
        self
    }

    /// Adds a template (its YAML text) to register at start.
    #[must_use]
    pub fn template(mut self, yaml: impl Into<String>) -> Self {
        self.templates.push(yaml.into());
        self
    }

    fn validate(&self) -> Result<(), Error> {
        if self.namespaces.is_empty() {
            return Err(Error::Config("a worker needs at least one namespace (TASKER_NAMESPACES)".into()));
        }
        if self.concurrency == 0 || self.concurrency > 10_000 {
            return Err(Error::Config(format!("concurrency must be 1..10000 (got {})", self.concurrency)));
        }
        if !(1..=3600).contains(&self.lease_seconds) {
            return Err(Error::Config(format!("lease_seconds must be 1..3600 (got {})", self.lease_seconds)));
        }
        Ok(())
    }
}

/// A task that reached a terminal state with a report of this worker (see
/// [`Worker::on_task_finished`]).
#[derive(Debug, Clone)]
pub struct TaskFinished {
    /// The task.
    pub task_uuid: String,
    /// `complete`, `error`, `cancelled` or `resolved_manually`.
    pub status: String,
    /// Its namespace.
    pub namespace: String,
    /// Its template's name.
    pub task_name: String,
    /// Its correlation id.
    pub correlation_id: String,
}

type FinishedHook = Arc<dyn Fn(TaskFinished) -> BoxFuture<()> + Send + Sync>;

/// A worker not yet started: configuration, handlers and hooks.
pub struct Worker {
    config: WorkerConfig,
    registry: HandlerRegistry,
    on_finished: Option<FinishedHook>,
}

impl Worker {
    /// A worker for these handlers.
    pub fn new(config: WorkerConfig, registry: HandlerRegistry) -> Self {
        Self { config, registry, on_finished: None }
    }

    /// Called (on its own task) when a report's answer says the task reached a terminal state,
    /// so an app can update its rows. Tasks that end otherwise (cancelled through the API, a
    /// step failed by another worker or by a lost lease) are not seen here: read the task when
    /// you need certainty.
    #[must_use]
    pub fn on_task_finished<F, Fut>(mut self, hook: F) -> Self
    where
        F: Fn(TaskFinished) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = ()> + Send + 'static,
    {
        self.on_finished = Some(Arc::new(move |finished| Box::pin(hook(finished))));
        self
    }

    /// Registers the templates and the worker, then spawns the claim loop and the heartbeat on
    /// the current tokio runtime. Fails when the server refuses or cannot be reached.
    pub async fn start(self) -> Result<WorkerHandle, Error> {
        self.config.validate()?;
        let http = Http::new(&self.config.url, self.config.api_key.clone())?;
        for yaml in &self.config.templates {
            http.call::<Value>(Method::POST, "/v1/templates", Some(&json!({ "yaml": yaml })), Some(Duration::from_secs(30))).await?;
        }
        let worker_id = self.config.worker_id.clone().unwrap_or_else(default_worker_id);
        let inner = Arc::new(Inner {
            http,
            slots: Arc::new(Semaphore::new(self.config.concurrency)),
            config: self.config,
            registry: self.registry,
            on_finished: self.on_finished,
            worker_id,
            registration: Mutex::new(None),
            running: AtomicBool::new(true),
            in_flight: Mutex::new(HashMap::new()),
            slot_freed: Notify::new(),
            stop_claims: CancellationToken::new(),
            stop_heartbeat: CancellationToken::new(),
            completed: AtomicU64::new(0),
            failed: AtomicU64::new(0),
        });
        inner.register().await?;
        let claims = tokio::spawn(inner.clone().claim_loop());
        let heartbeat = tokio::spawn(inner.clone().heartbeat_loop());
        tracing::info!(
            worker_id = %inner.worker_id,
            namespaces = ?inner.config.namespaces,
            handlers = inner.registry.len(),
            server = inner.http.base_url(),
            "tasker worker started"
        );
        Ok(WorkerHandle { inner, tasks: Arc::new(tokio::sync::Mutex::new(Some((claims, heartbeat)))) })
    }
}

/// A running worker. Cheap to clone; [`stop`](Self::stop) it before the runtime ends.
#[derive(Clone)]
pub struct WorkerHandle {
    inner: Arc<Inner>,
    tasks: Arc<tokio::sync::Mutex<Option<Loops>>>,
}

/// The claim loop and the heartbeat loop of a running worker.
type Loops = (JoinHandle<()>, JoinHandle<()>);

/// What a worker is doing.
#[derive(Debug, Clone)]
pub struct WorkerStatus {
    /// Its id.
    pub worker_id: String,
    /// Whether it still claims steps.
    pub running: bool,
    /// Its namespaces.
    pub namespaces: Vec<String>,
    /// Its handler callables.
    pub handlers: Vec<String>,
    /// Steps running now.
    pub in_flight: usize,
    /// Steps it completed.
    pub completed: u64,
    /// Attempts it reported as failed.
    pub failed: u64,
}

impl WorkerHandle {
    /// The id the server knows this worker by.
    pub fn worker_id(&self) -> &str {
        &self.inner.worker_id
    }

    /// How often it heartbeats while steps run (the server's `heartbeat_interval_ms`): a
    /// cancelled task or a lost claim reaches the handler within about this long.
    pub fn heartbeat_interval(&self) -> Duration {
        self.inner.heartbeat_interval()
    }

    /// A snapshot of what it is doing.
    pub fn status(&self) -> WorkerStatus {
        WorkerStatus {
            worker_id: self.inner.worker_id.clone(),
            running: self.inner.running.load(Ordering::SeqCst),
            namespaces: self.inner.config.namespaces.clone(),
            handlers: self.inner.registry.callables(),
            in_flight: self.inner.in_flight_count(),
            completed: self.inner.completed.load(Ordering::Relaxed),
            failed: self.inner.failed.load(Ordering::Relaxed),
        }
    }

    /// Stops claiming (drain), lets running steps finish for up to the shutdown timeout, tells
    /// the rest to stop, then deregisters (the server hands their claims back at once).
    /// Idempotent: a second call waits for the first.
    pub async fn stop(&self) {
        let mut tasks = self.tasks.lock().await;
        let Some((claims, heartbeat)) = tasks.take() else { return };
        let inner = &self.inner;
        inner.running.store(false, Ordering::SeqCst);
        let drain = format!("/v1/worker/workers/{}/drain", inner.worker_id);
        if let Err(e) = inner.http.call::<Value>(Method::POST, &drain, None::<&Value>, Some(Duration::from_secs(5))).await {
            tracing::warn!(error = %e, "could not tell the server this worker drains");
        }
        inner.stop_claims.cancel();
        let _ = claims.await;
        if !inner.drained(inner.config.shutdown_timeout).await {
            tracing::warn!(in_flight = inner.in_flight_count(), "steps still running after the shutdown timeout; stopping them");
            for running in inner.in_flight_snapshot() {
                running.stop(StopReason::Shutdown);
            }
            inner.drained(Duration::from_secs(5)).await;
        }
        inner.stop_heartbeat.cancel();
        let _ = heartbeat.await;
        let path = format!("/v1/worker/workers/{}", inner.worker_id);
        match inner.http.call::<DeregisterResponse>(Method::DELETE, &path, None::<&Value>, Some(Duration::from_secs(5))).await {
            Ok(answer) => tracing::info!(
                worker_id = %inner.worker_id,
                released_steps = answer.body.released_steps,
                completed = inner.completed.load(Ordering::Relaxed),
                failed = inner.failed.load(Ordering::Relaxed),
                "tasker worker stopped"
            ),
            Err(e) => tracing::warn!(error = %e, "the worker could not deregister; its claims come back after their lease"),
        }
    }
}

struct Inner {
    http: Http,
    config: WorkerConfig,
    registry: HandlerRegistry,
    on_finished: Option<FinishedHook>,
    worker_id: String,
    registration: Mutex<Option<RegisteredWorker>>,
    running: AtomicBool,
    slots: Arc<Semaphore>,
    in_flight: Mutex<HashMap<String, AttemptStop>>,
    slot_freed: Notify,
    stop_claims: CancellationToken,
    stop_heartbeat: CancellationToken,
    completed: AtomicU64,
    failed: AtomicU64,
}

/// What an attempt ended with, before it is sent.
enum AttemptOutcome {
    Success(Value),
    Failure { error: StepError, kind: &'static str },
}

impl Inner {
    fn limits(&self) -> RegisteredWorker {
        self.registration.lock().unwrap_or_else(|p| p.into_inner()).clone().unwrap_or(RegisteredWorker {
            worker_id: self.worker_id.clone(),
            protocol_version: PROTOCOL_VERSION.to_owned(),
            lease_seconds: u64::from(self.config.lease_seconds),
            heartbeat_interval_ms: u64::from(self.config.lease_seconds) * 1000 / 3,
            max_claim_wait_ms: 30_000,
            max_steps_per_claim: 100,
            max_result_bytes: 4 * 1024 * 1024,
            unhandled_callables: Vec::new(),
        })
    }

    fn heartbeat_interval(&self) -> Duration {
        Duration::from_millis(self.limits().heartbeat_interval_ms.max(200))
    }

    async fn register(&self) -> Result<(), Error> {
        let body = RegisterWorker {
            worker_id: self.worker_id.clone(),
            namespaces: self.config.namespaces.clone(),
            handlers: self.registry.callables(),
            concurrency: u32::try_from(self.config.concurrency).unwrap_or(u32::MAX),
            lease_seconds: self.config.lease_seconds,
            sdk: SdkInfo { name: SDK_NAME.to_owned(), version: SDK_VERSION.to_owned() },
            protocol_version: PROTOCOL_VERSION,
            hostname: hostname(),
            pid: std::process::id(),
        };
        let answer = self.http.call::<RegisteredWorker>(Method::POST, "/v1/worker/workers", Some(&body), Some(Duration::from_secs(30))).await?;
        if !answer.body.unhandled_callables.is_empty() {
            tracing::warn!(
                callables = ?answer.body.unhandled_callables,
                "this worker has no handler for these callables of its namespaces; their steps wait for a worker that has one"
            );
        }
        *self.registration.lock().unwrap_or_else(|p| p.into_inner()) = Some(answer.body);
        Ok(())
    }

    fn in_flight_count(&self) -> usize {
        self.in_flight.lock().unwrap_or_else(|p| p.into_inner()).len()
    }

    fn in_flight_snapshot(&self) -> Vec<AttemptStop> {
        self.in_flight.lock().unwrap_or_else(|p| p.into_inner()).values().cloned().collect()
    }

    async fn drained(&self, timeout: Duration) -> bool {
        let until = Instant::now() + timeout;
        loop {
            let freed = self.slot_freed.notified();
            if self.in_flight_count() == 0 {
                return true;
            }
            if Instant::now() >= until {
                return false;
            }
            tokio::select! {
                () = freed => {}
                () = sleep(Duration::from_millis(100)) => {}
            }
        }
    }

    /// Claims while slots are free; each claimed step runs on its own task with its chain.
    async fn claim_loop(self: Arc<Self>) {
        let mut backoff = RETRY_FIRST;
        loop {
            let first = tokio::select! {
                permit = self.slots.clone().acquire_owned() => match permit { Ok(p) => p, Err(_) => return },
                () = self.stop_claims.cancelled() => return,
            };
            let limits = self.limits();
            let mut permits = vec![first];
            while (permits.len() as u64) < limits.max_steps_per_claim.max(1) {
                match self.slots.clone().try_acquire_owned() {
                    Ok(p) => permits.push(p),
                    Err(_) => break,
                }
            }
            let wait_ms = u64::try_from(self.config.claim_wait.as_millis()).unwrap_or(u64::MAX).min(limits.max_claim_wait_ms);
            let request = ClaimRequest { max_steps: permits.len() as u64, wait_ms };
            let path = format!("/v1/worker/workers/{}/claims", self.worker_id);
            let call = self.http.call::<ClaimResponse>(Method::POST, &path, Some(&request), Some(Duration::from_millis(wait_ms) + Duration::from_secs(30)));
            let answer = tokio::select! {
                answer = call => answer,
                () = self.stop_claims.cancelled() => return,
            };
            match answer {
                Ok(answer) => {
                    backoff = RETRY_FIRST;
                    for claim in answer.body.steps {
                        let permit = permits.pop();
                        tokio::spawn(self.clone().run_chain(claim, permit));
                    }
                }
                Err(error) => {
                    drop(permits);
                    if error.status() == Some(404) {
                        // The server forgot this worker (restarted, or swept it): register again.
                        if let Err(e) = self.register().await {
                            tracing::warn!(error = %e, "registering the worker again failed");
                        }
                    }
                    tracing::error!(error = %error, retry_in_ms = backoff.as_millis() as u64, "claiming steps failed");
                    tokio::select! {
                        () = sleep(backoff) => {}
                        () = self.stop_claims.cancelled() => return,
                    }
                    backoff = (backoff * 2).min(RETRY_MAX);
                }
            }
        }
    }

    /// Runs a claimed step, then each `next` step the server claimed for this worker with its
    /// report, in the same slot.
    async fn run_chain(self: Arc<Self>, first: ClaimedStep, _slot: Option<OwnedSemaphorePermit>) {
        let mut claim = Some(first);
        while let Some(current) = claim.take() {
            let stop = AttemptStop::default();
            self.in_flight.lock().unwrap_or_else(|p| p.into_inner()).insert(current.claim_token.clone(), stop.clone());
            let outcome = self.execute(&current, &stop).await;
            let reason = stop.reason();
            let handed_back = reason == Some(StopReason::Lost)
                || (reason == Some(StopReason::Shutdown) && matches!(outcome, AttemptOutcome::Failure { .. }));
            if !handed_back {
                claim = self.report(&current, outcome).await;
            }
            self.in_flight.lock().unwrap_or_else(|p| p.into_inner()).remove(&current.claim_token);
            self.slot_freed.notify_waiters();
        }
    }

    /// Saves a running step's checkpoints with its claim token (docs/worker-protocol.md#checkpoints).
    fn checkpointer(&self, claim: &ClaimedStep, stop: &AttemptStop) -> Checkpointer {
        let http = self.http.clone();
        let path = format!("/v1/worker/workers/{}/checkpoint", self.worker_id);
        let token = claim.claim_token.clone();
        let stop = stop.clone();
        Checkpointer::new(move |checkpoint| {
            let (http, path, stop) = (http.clone(), path.clone(), stop.clone());
            let body = json!({ "claim_token": token, "checkpoint": checkpoint });
            Box::pin(async move {
                match http.call::<Value>(Method::POST, &path, Some(&body), Some(Duration::from_secs(30))).await {
                    Ok(answer) => {
                        if answer.body.get("status").and_then(Value::as_str) == Some("cancelled") {
                            stop.stop(StopReason::Cancelled);
                        }
                        Ok(())
                    }
                    Err(e) => Err(match e.status() {
                        Some(409) => StepError::retryable(format!("checkpoint not saved: the attempt no longer holds its step ({e})"))
                            .code("checkpoint_refused"),
                        Some(400 | 413) => StepError::permanent(format!("checkpoint not saved: {e}")).code("invalid_checkpoint"),
                        _ => StepError::retryable(format!("checkpoint not saved: {e}")).code("checkpoint_failed"),
                    }),
                }
            })
        })
    }

    async fn execute(&self, claim: &ClaimedStep, stop: &AttemptStop) -> AttemptOutcome {
        let Some(handler) = self.registry.get(&claim.handler_callable) else {
            let known = self.registry.callables();
            let error = StepError::permanent(format!(
                "no handler is registered for callable {:?} on worker {}; register it (registered: {})",
                claim.handler_callable,
                self.worker_id,
                if known.is_empty() { "none".to_owned() } else { known.join(", ") }
            ))
            .code("handler_missing");
            return AttemptOutcome::Failure { error, kind: "handler_missing" };
        };
        let ctx = StepContext::from_claim(claim, stop.clone()).with_checkpointer(self.checkpointer(claim, stop));
        let deadline = ctx.deadline();
        let timeout_seconds = claim.timeout_seconds;
        let mut task = tokio::spawn(handler.call_boxed(ctx));
        tokio::select! {
            joined = &mut task => from_joined(joined),
            () = sleep_until(deadline) => {
                stop.stop(StopReason::Timeout);
                task.abort();
                let error = StepError::retryable(format!(
                    "step timed out after {timeout_seconds}s (timeout_seconds); it will be retried while attempts remain"
                ))
                .code("timeout");
                AttemptOutcome::Failure { error, kind: "timeout" }
            }
            () = stop.token().cancelled() => {
                // Cancelled task, lost claim or shutdown: the handler may end on its own.
                match tokio::time::timeout(STOP_GRACE, &mut task).await {
                    Ok(joined) => from_joined(joined),
                    Err(_) => {
                        task.abort();
                        let reason = stop.reason().unwrap_or(StopReason::Cancelled).as_str();
                        AttemptOutcome::Failure {
                            error: StepError::retryable(format!("step {} stopped: {reason}", claim.step_name)).code(reason),
                            kind: "retryable",
                        }
                    }
                }
            }
        }
    }

    /// Reports an outcome, trying again while the server does not answer (or answers 5xx), for
    /// the longer of the lease and 30 s (heartbeats go on meanwhile). Returns the next claimed
    /// step, if any.
    async fn report(&self, claim: &ClaimedStep, outcome: AttemptOutcome) -> Option<ClaimedStep> {
        let limits = self.limits();
        let succeeded = matches!(outcome, AttemptOutcome::Success(_));
        let mut body = ReportResult {
            claim_token: claim.claim_token.clone(),
            outcome: to_wire(outcome),
            continue_chain: self.running.load(Ordering::SeqCst),
        };
        let mut too_large = false;
        if let Some(replacement) = oversized(&body.outcome, limits.max_result_bytes) {
            body.outcome = replacement;
            too_large = true;
        }
        let path = format!("/v1/worker/workers/{}/results", self.worker_id);
        let started = Instant::now();
        let budget = Duration::from_secs(limits.lease_seconds.max(1)).max(REPORT_RETRY_MIN);
        let mut delay = RETRY_FIRST;
        loop {
            match self.http.call::<ReportResponse>(Method::POST, &path, Some(&body), Some(Duration::from_secs(30))).await {
                Ok(answer) => {
                    if succeeded && !too_large {
                        self.completed.fetch_add(1, Ordering::Relaxed);
                    } else {
                        self.failed.fetch_add(1, Ordering::Relaxed);
                    }
                    let answer = answer.body;
                    if let (Some(hook), Some(status)) = (&self.on_finished, &answer.task_status) {
                        if TERMINAL_TASK_STATES.contains(&status.as_str()) {
                            let finished = TaskFinished {
                                task_uuid: claim.task_uuid.clone(),
                                status: status.clone(),
                                namespace: claim.namespace.clone(),
                                task_name: claim.task_name.clone(),
                                correlation_id: claim.correlation_id.clone(),
                            };
                            tokio::spawn(hook(finished));
                        }
                    }
                    return answer.next;
                }
                Err(error) if !error.is_transient() => {
                    // 409: a duplicate, or the lease passed to another worker: nothing stored, by design.
                    tracing::warn!(error = %error, step_uuid = %claim.step_uuid, "result not stored");
                    return None;
                }
                Err(error) => {
                    if started.elapsed() + delay > budget {
                        tracing::error!(error = %error, step_uuid = %claim.step_uuid, "reporting a result failed; the step runs again after its lease");
                        return None;
                    }
                    sleep(delay).await;
                    delay = (delay * 2).min(RETRY_MAX);
                }
            }
        }
    }

    /// Extends the leases of the running steps; stops those the server says are cancelled or lost.
    async fn heartbeat_loop(self: Arc<Self>) {
        loop {
            let interval = self.heartbeat_interval();
            tokio::select! {
                () = sleep(interval) => {}
                () = self.stop_heartbeat.cancelled() => return,
            }
            let tokens: Vec<String> = self.in_flight.lock().unwrap_or_else(|p| p.into_inner()).keys().cloned().collect();
            let path = format!("/v1/worker/workers/{}/heartbeat", self.worker_id);
            let body = HeartbeatRequest { claim_tokens: tokens };
            match self.http.call::<HeartbeatResponse>(Method::POST, &path, Some(&body), Some(interval.max(Duration::from_secs(5)))).await {
                Ok(answer) => {
                    for claim in answer.body.claims {
                        let reason = match claim.status.as_str() {
                            "cancelled" => StopReason::Cancelled,
                            "lost" => StopReason::Lost,
                            _ => continue,
                        };
                        let running = self.in_flight.lock().unwrap_or_else(|p| p.into_inner()).get(&claim.claim_token).cloned();
                        if let Some(running) = running {
                            tracing::info!(status = %claim.status, "the server stopped a running step");
                            running.stop(reason);
                        }
                    }
                }
                Err(error) => tracing::warn!(error = %error, "heartbeat failed"),
            }
        }
    }
}

fn from_joined(joined: Result<StepResult, tokio::task::JoinError>) -> AttemptOutcome {
    match joined {
        Ok(Ok(result)) => AttemptOutcome::Success(result),
        Ok(Err(error)) => {
            let kind = match error.kind() {
                ErrorKind::Permanent => "permanent",
                ErrorKind::Retryable => "retryable",
            };
            AttemptOutcome::Failure { error, kind }
        }
        Err(join_error) => {
            let message = if join_error.is_panic() {
                let payload = join_error.into_panic();
                let text = payload
                    .downcast_ref::<&str>()
                    .map(|s| (*s).to_owned())
                    .or_else(|| payload.downcast_ref::<String>().cloned())
                    .unwrap_or_else(|| "a non-text panic".to_owned());
                format!("the handler panicked: {text}")
            } else {
                "the handler's task was cancelled".to_owned()
            };
            AttemptOutcome::Failure { error: StepError::retryable(message).code("panic"), kind: "retryable" }
        }
    }
}

/// Cuts `text` to at most `max` UTF-16 code units (the server counts lengths as JavaScript
/// does), ending with `...` when cut.
fn truncate(text: &str, max: usize) -> String {
    if text.encode_utf16().count() <= max {
        return text.to_owned();
    }
    let mut cut = String::new();
    let mut units = 0;
    for c in text.chars() {
        units += c.len_utf16();
        if units > max - 3 {
            break;
        }
        cut.push(c);
    }
    cut.push_str("...");
    cut
}

fn to_wire(outcome: AttemptOutcome) -> Outcome {
    match outcome {
        AttemptOutcome::Success(result) => Outcome::Success { result },
        AttemptOutcome::Failure { error, kind } => {
            let message = if error.message().is_empty() { "(no message)" } else { error.message() };
            Outcome::Failure {
                error: FailureBody {
                    message: truncate(message, MAX_MESSAGE_CHARS),
                    retryable: error.is_retryable(),
                    code: error.code_str().map(|c| truncate(c, MAX_CODE_CHARS)),
                    retry_after_ms: error
                        .retry_after_duration()
                        .filter(|_| error.is_retryable())
                        .map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX).min(MAX_RETRY_AFTER_MS)),
                    metadata: error.metadata_map().cloned(),
                    kind,
                },
            }
        }
    }
}

/// A result or error the server would refuse for its size becomes a permanent `result_too_large`.
fn oversized(outcome: &Outcome, limit: u64) -> Option<Outcome> {
    let bytes = serde_json::to_vec(outcome).map(|v| v.len() as u64).unwrap_or(u64::MAX);
    if limit == 0 || bytes <= limit {
        return None;
    }
    let what = if matches!(outcome, Outcome::Success { .. }) { "result" } else { "error" };
    let mut metadata = Map::new();
    metadata.insert("payload".into(), json!(what));
    metadata.insert("size_bytes".into(), json!(bytes));
    metadata.insert("limit_bytes".into(), json!(limit));
    Some(Outcome::Failure {
        error: FailureBody {
            message: format!(
                "the handler's {what} is {bytes} bytes as JSON, over the server's limit of {limit} bytes (max_result_bytes); keep bulky data in your own tables or object storage and return a reference"
            ),
            retryable: false,
            code: Some("result_too_large".into()),
            retry_after_ms: None,
            metadata: Some(metadata),
            kind: "permanent",
        },
    })
}

fn hostname() -> Option<String> {
    std::env::var("HOSTNAME")
        .ok()
        .or_else(|| std::fs::read_to_string("/etc/hostname").ok())
        .map(|h| h.trim().chars().take(255).collect::<String>())
        .filter(|h| !h.is_empty())
}

fn default_worker_id() -> String {
    let host: String = hostname()
        .unwrap_or_else(|| "host".into())
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'))
        .take(60)
        .collect();
    let nanos = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.subsec_nanos()).unwrap_or(0);
    format!("rust-{host}-{}-{nanos:08x}", std::process::id())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_oversized_result_becomes_a_permanent_failure() {
        let big = Outcome::Success { result: json!({ "padding": "x".repeat(2000) }) };
        let Some(Outcome::Failure { error }) = oversized(&big, 1000) else { panic!("expected a failure") };
        assert_eq!(error.code.as_deref(), Some("result_too_large"));
        assert!(!error.retryable);
        assert!(error.message.contains("1000"));
        assert!(oversized(&big, 10_000).is_none());
    }

    #[test]
    fn failures_keep_within_the_protocols_limits() {
        let error = StepError::retryable("m".repeat(20_000)).code("c".repeat(300)).retry_after(Duration::from_secs(30 * 86_400));
        let Outcome::Failure { error } = to_wire(AttemptOutcome::Failure { error, kind: "retryable" }) else { panic!() };
        assert_eq!(error.message.chars().count(), MAX_MESSAGE_CHARS);
        assert_eq!(error.code.unwrap().chars().count(), MAX_CODE_CHARS);
        // Astral characters are two UTF-16 units each, as the server counts them.
        assert!(truncate(&"😀".repeat(6000), MAX_MESSAGE_CHARS).encode_utf16().count() <= MAX_MESSAGE_CHARS);
        assert_eq!(error.retry_after_ms, Some(MAX_RETRY_AFTER_MS));
        let permanent = StepError::permanent("no").retry_after(Duration::from_secs(1));
        let Outcome::Failure { error } = to_wire(AttemptOutcome::Failure { error: permanent, kind: "permanent" }) else { panic!() };
        assert_eq!(error.retry_after_ms, None);
    }

    #[test]
    fn worker_ids_fit_the_servers_pattern() {
        let id = default_worker_id();
        assert!(id.len() <= 128);
        assert!(id.chars().all(|c| c.is_ascii_alphanumeric() || "_.:@-".contains(c)), "{id}");
    }
}
