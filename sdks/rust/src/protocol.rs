//! The worker protocol's messages (docs/worker-protocol.md, protocol version 1), as serde
//! types. Requests are strict on the server (an unknown field is a 400), so they carry only
//! known fields; answers ignore fields this SDK does not know, as the protocol asks.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// The protocol version this SDK speaks.
pub const PROTOCOL_VERSION: &str = "1";

/// `POST /v1/worker/workers`.
#[derive(Debug, Clone, Serialize)]
pub struct RegisterWorker {
    /// The worker's id (registering it again replaces the registration).
    pub worker_id: String,
    /// The namespaces whose steps it runs.
    pub namespaces: Vec<String>,
    /// The handler callables it can run.
    pub handlers: Vec<String>,
    /// Steps at once.
    pub concurrency: u32,
    /// Lease length of a claim without heartbeats.
    pub lease_seconds: u32,
    /// The SDK's name and version.
    pub sdk: SdkInfo,
    /// Always [`PROTOCOL_VERSION`].
    pub protocol_version: &'static str,
    /// The host, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hostname: Option<String>,
    /// The process id.
    pub pid: u32,
}

/// `sdk` of [`RegisterWorker`].
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SdkInfo {
    /// e.g. `tasker-worker-rust`.
    pub name: String,
    /// The SDK's version.
    pub version: String,
}

/// The answer to a registration: the limits the worker keeps.
#[derive(Debug, Clone, Deserialize)]
pub struct RegisteredWorker {
    /// The id to use in every later call.
    pub worker_id: String,
    /// The version the server speaks with this worker.
    pub protocol_version: String,
    /// The lease the server granted.
    pub lease_seconds: u64,
    /// Send a heartbeat at least this often while steps run.
    pub heartbeat_interval_ms: u64,
    /// The longest `wait_ms` of a claim.
    pub max_claim_wait_ms: u64,
    /// The most steps one claim may ask for.
    pub max_steps_per_claim: u64,
    /// The largest result or error (bytes of JSON) the server stores.
    pub max_result_bytes: u64,
    /// Callables of registered templates in the worker's namespaces that it has no handler
    /// for: their steps are not handed to it (they wait for a worker that has the handler).
    #[serde(default)]
    pub unhandled_callables: Vec<String>,
}

/// `POST /v1/worker/workers/{id}/claims`.
#[derive(Debug, Clone, Serialize)]
pub struct ClaimRequest {
    /// Claim up to this many ready steps.
    pub max_steps: u64,
    /// Long poll: wait up to this long for a step when none is ready.
    pub wait_ms: u64,
}

/// The answer to a claim.
#[derive(Debug, Clone, Deserialize)]
pub struct ClaimResponse {
    /// The claimed steps (often none).
    pub steps: Vec<ClaimedStep>,
}

/// A claimed step: everything its handler needs, and the token to report with.
#[derive(Debug, Clone, Deserialize)]
pub struct ClaimedStep {
    /// Opaque; names this attempt of this step by this worker.
    pub claim_token: String,
    /// The task.
    pub task_uuid: String,
    /// The step.
    pub step_uuid: String,
    /// The step's name in its template.
    pub step_name: String,
    /// The template's name.
    pub task_name: String,
    /// The template's namespace.
    pub namespace: String,
    /// The template's version.
    pub version: String,
    /// The callable of the step's handler.
    pub handler_callable: String,
    /// The task's correlation id.
    pub correlation_id: String,
    /// 1 on the first attempt.
    pub attempt: u32,
    /// Attempts allowed in all.
    pub max_attempts: u32,
    /// The step's timeout.
    pub timeout_seconds: u64,
    /// When the attempt times out (ISO 8601).
    pub deadline: String,
    /// When the lease runs out without a heartbeat.
    pub lease_expires_at: String,
    /// The task's context.
    pub context: Map<String, Value>,
    /// Every ancestor step's result, by step name.
    pub dependency_results: Map<String, Value>,
    /// The template's `handler.initialization`.
    pub initialization: Map<String, Value>,
    /// The last checkpoint an earlier attempt of the step saved, or none: resume from it.
    #[serde(default)]
    pub checkpoint: Option<Map<String, Value>>,
    /// A batchable step's template `batch_config` (`batch_size`, `parallelism`, `cursor_field`,
    /// `worker_template`, `failure_strategy`); none for other steps.
    #[serde(default)]
    pub batch_config: Option<Map<String, Value>>,
}

/// `POST /v1/worker/workers/{id}/results`.
#[derive(Debug, Clone, Serialize)]
pub struct ReportResult {
    /// The claim's token.
    pub claim_token: String,
    /// What the attempt ended with.
    pub outcome: Outcome,
    /// Claim the next step the result makes ready, for this worker (`next`).
    #[serde(rename = "continue")]
    pub continue_chain: bool,
}

/// An attempt's outcome.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum Outcome {
    /// The handler's result.
    Success {
        /// The result (JSON).
        result: Value,
    },
    /// The handler's error.
    Failure {
        /// The error.
        error: FailureBody,
    },
}

/// `outcome.error` of a failure.
#[derive(Debug, Clone, Serialize)]
pub struct FailureBody {
    /// 1..10,000 characters.
    pub message: String,
    /// Whether a retry may follow.
    pub retryable: bool,
    /// A machine-readable code.
    pub code: Option<String>,
    /// A requested delay before the next attempt.
    pub retry_after_ms: Option<u64>,
    /// Details.
    pub metadata: Option<Map<String, Value>>,
    /// `permanent`, `retryable`, `timeout` or `handler_missing`.
    pub kind: &'static str,
}

/// The answer to a report.
#[derive(Debug, Clone, Deserialize)]
pub struct ReportResponse {
    /// The step reported.
    pub step_uuid: String,
    /// `completed`, `retry_scheduled`, `failed` or `ignored`.
    pub outcome: String,
    /// The task's status after the report (null when it was not re-evaluated).
    pub task_status: Option<String>,
    /// The next step of the same task, already claimed for this worker.
    pub next: Option<ClaimedStep>,
}

/// `POST /v1/worker/workers/{id}/heartbeat`.
#[derive(Debug, Clone, Serialize)]
pub struct HeartbeatRequest {
    /// The tokens of the steps still running.
    pub claim_tokens: Vec<String>,
}

/// The answer to a heartbeat.
#[derive(Debug, Clone, Deserialize)]
pub struct HeartbeatResponse {
    /// One entry per token sent.
    pub claims: Vec<ClaimStatus>,
    /// `running`, `draining` or `stopped`.
    pub worker_status: String,
}

/// The server's view of one running claim.
#[derive(Debug, Clone, Deserialize)]
pub struct ClaimStatus {
    /// The token.
    pub claim_token: String,
    /// `held` (lease extended), `cancelled` (the task ended: stop) or `lost` (drop it).
    pub status: String,
    /// The new lease end, when held.
    pub lease_expires_at: Option<String>,
}

/// The answer to `DELETE /v1/worker/workers/{id}`.
#[derive(Debug, Clone, Deserialize)]
pub struct DeregisterResponse {
    /// The worker.
    pub worker_id: String,
    /// Claims it still held, handed back to the queue.
    pub released_steps: u64,
}

/// One entry of `GET /v1/worker/workers`.
#[derive(Debug, Clone, Deserialize)]
pub struct WorkerInfo {
    /// The worker's id.
    pub worker_id: String,
    /// Its namespaces.
    pub namespaces: Vec<String>,
    /// Its handler callables.
    pub handlers: Vec<String>,
    /// Its concurrency.
    pub concurrency: u64,
    /// Its lease.
    pub lease_seconds: u64,
    /// `running`, `draining` or `stopped`.
    pub status: String,
    /// Its SDK, when it said.
    pub sdk: Option<SdkInfo>,
    /// Its last heartbeat (ISO 8601).
    pub last_heartbeat_at: String,
}

/// The answer to `GET /v1/worker/workers`.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct WorkerList {
    pub workers: Vec<WorkerInfo>,
}
