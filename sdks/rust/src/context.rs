//! The step context a handler gets: who it is (uuids, names, attempt), what it works on (the
//! task context, ancestors' results, the template's initialization), typed views of those, and
//! when to stop (deadline and cancellation).

use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::{json, Map, Value};
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use crate::error::StepError;
use crate::handler::BoxFuture;
use crate::outcomes::BatchInputs;
use crate::protocol::ClaimedStep;

type SaveCheckpoint = dyn Fn(Map<String, Value>) -> BoxFuture<Result<(), StepError>> + Send + Sync;

/// Saves a checkpoint for one attempt (the worker's `POST .../checkpoint` with its claim token).
#[derive(Clone)]
pub(crate) struct Checkpointer(Arc<SaveCheckpoint>);

impl Checkpointer {
    pub fn new<F>(save: F) -> Self
    where
        F: Fn(Map<String, Value>) -> BoxFuture<Result<(), StepError>> + Send + Sync + 'static,
    {
        Self(Arc::new(save))
    }
}

impl fmt::Debug for Checkpointer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Checkpointer")
    }
}

/// Why a running step was asked to stop.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StopReason {
    /// Its deadline (`timeout_seconds`) passed.
    Timeout,
    /// Its task was cancelled (the server said so on a heartbeat).
    Cancelled,
    /// Its claim is no longer this worker's (the lease ran out); the result would be refused.
    Lost,
    /// The worker is shutting down and the grace period is over.
    Shutdown,
}

impl StopReason {
    /// `timeout`, `cancelled`, `lost` or `shutdown`.
    pub fn as_str(self) -> &'static str {
        match self {
            StopReason::Timeout => "timeout",
            StopReason::Cancelled => "cancelled",
            StopReason::Lost => "lost",
            StopReason::Shutdown => "shutdown",
        }
    }
}

/// The cancellation of one attempt: a token the handler can wait on, and why it fired.
#[derive(Debug, Clone, Default)]
pub(crate) struct AttemptStop {
    token: CancellationToken,
    reason: Arc<Mutex<Option<StopReason>>>,
}

impl AttemptStop {
    /// Fires the token; the first reason given is kept.
    pub fn stop(&self, reason: StopReason) {
        {
            let mut slot = self.reason.lock().unwrap_or_else(|p| p.into_inner());
            slot.get_or_insert(reason);
        }
        self.token.cancel();
    }

    pub fn reason(&self) -> Option<StopReason> {
        *self.reason.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub fn token(&self) -> &CancellationToken {
        &self.token
    }
}

/// Everything a handler knows about the attempt it runs.
///
/// Typed access: [`input`](Self::input) parses the task context, [`deps`](Self::deps) the
/// ancestors' results (a struct whose fields are step names), [`result`](Self::result) one
/// ancestor's result, [`init`](Self::init) the template's initialization. A mismatch is a
/// permanent `invalid_input` error naming the field, so `?` is all a handler needs.
#[derive(Debug, Clone)]
pub struct StepContext {
    /// The task.
    pub task_uuid: String,
    /// The step.
    pub step_uuid: String,
    /// The step's name in the template.
    pub step_name: String,
    /// The template's name.
    pub task_name: String,
    /// The template's namespace.
    pub namespace: String,
    /// The template's version.
    pub version: String,
    /// The task's correlation id.
    pub correlation_id: String,
    /// 1 on the first attempt.
    pub attempt: u32,
    /// Attempts allowed in all (the template's `retry.max_attempts`).
    pub max_attempts: u32,
    /// The step's `timeout_seconds`.
    pub timeout_seconds: u64,
    /// The task's context (raw JSON).
    pub context: Map<String, Value>,
    /// Every ancestor step's result by step name (raw JSON).
    pub dependency_results: Map<String, Value>,
    /// The template's `handler.initialization` (raw JSON).
    pub initialization: Map<String, Value>,
    /// The last checkpoint an earlier attempt of this step saved ([`checkpoint`](Self::checkpoint)),
    /// or none on a fresh start: resume from it.
    pub resume_from: Option<Map<String, Value>>,
    /// A batchable step's template `batch_config` (`batch_size`, `parallelism`, `cursor_field`,
    /// `worker_template`, `failure_strategy`): plan its batches with it. None for other steps.
    pub batch_config: Option<Map<String, Value>>,
    checkpointer: Option<Checkpointer>,
    deadline: Instant,
    deadline_at: SystemTime,
    stop: AttemptStop,
}

impl StepContext {
    pub(crate) fn from_claim(claim: &ClaimedStep, stop: AttemptStop) -> Self {
        let now = SystemTime::now();
        let by_timeout = now + Duration::from_secs(claim.timeout_seconds.max(1));
        // The earlier of the server's deadline and our own reading of timeout_seconds.
        let deadline_at = parse_rfc3339(&claim.deadline).map_or(by_timeout, |d| d.min(by_timeout));
        let left = deadline_at.duration_since(now).unwrap_or(Duration::from_millis(1));
        Self {
            task_uuid: claim.task_uuid.clone(),
            step_uuid: claim.step_uuid.clone(),
            step_name: claim.step_name.clone(),
            task_name: claim.task_name.clone(),
            namespace: claim.namespace.clone(),
            version: claim.version.clone(),
            correlation_id: claim.correlation_id.clone(),
            attempt: claim.attempt,
            max_attempts: claim.max_attempts,
            timeout_seconds: claim.timeout_seconds,
            context: claim.context.clone(),
            dependency_results: claim.dependency_results.clone(),
            initialization: claim.initialization.clone(),
            resume_from: claim.checkpoint.clone(),
            batch_config: claim.batch_config.clone(),
            checkpointer: None,
            deadline: Instant::now() + left,
            deadline_at,
            stop,
        }
    }

    /// A context for unit tests of a handler: attempt 1 of 3, 30 s to run, no cancellation.
    pub fn for_test(context: Value, dependency_results: Value, initialization: Value) -> Self {
        let object = |v: Value| match v {
            Value::Object(map) => map,
            _ => Map::new(),
        };
        let claim = ClaimedStep {
            claim_token: "test".into(),
            task_uuid: "00000000-0000-0000-0000-000000000001".into(),
            step_uuid: "00000000-0000-0000-0000-000000000002".into(),
            step_name: "test_step".into(),
            task_name: "test_task".into(),
            namespace: "test".into(),
            version: "1.0.0".into(),
            handler_callable: "test.step".into(),
            correlation_id: "test".into(),
            attempt: 1,
            max_attempts: 3,
            timeout_seconds: 30,
            deadline: String::new(),
            lease_expires_at: String::new(),
            context: object(context),
            dependency_results: object(dependency_results),
            initialization: object(initialization),
            checkpoint: None,
            batch_config: None,
        };
        Self::from_claim(&claim, AttemptStop::default())
    }

    /// Whether this is the last attempt the template allows.
    pub fn is_last_attempt(&self) -> bool {
        self.attempt >= self.max_attempts
    }

    /// The task context as `T`; a mismatch is a permanent `invalid_input` naming the field.
    pub fn input<T: DeserializeOwned>(&self) -> Result<T, StepError> {
        decode(Value::Object(self.context.clone()), "the task context")
    }

    /// The ancestors' results as `D`, a struct whose fields are step names (each field's type
    /// the shape of that step's result); a mismatch names the step and field.
    pub fn deps<D: DeserializeOwned>(&self) -> Result<D, StepError> {
        decode(Value::Object(self.dependency_results.clone()), "the ancestors' results")
    }

    /// One ancestor's result as `T`.
    pub fn result<T: DeserializeOwned>(&self, step: &str) -> Result<T, StepError> {
        let Some(value) = self.dependency_results.get(step) else {
            let known: Vec<&str> = self.dependency_results.keys().map(String::as_str).collect();
            return Err(StepError::permanent(format!(
                "step {} has no ancestor named {step:?} (ancestors: {}); add it to the template's dependencies",
                self.step_name,
                if known.is_empty() { "none".to_owned() } else { known.join(", ") }
            ))
            .code("invalid_input")
            .metadata(json!({ "step": step })));
        };
        decode(value.clone(), &format!("the result of step {step}"))
    }

    /// The template's `handler.initialization` as `T`.
    pub fn init<T: DeserializeOwned>(&self) -> Result<T, StepError> {
        decode(Value::Object(self.initialization.clone()), "the handler initialization")
    }

    pub(crate) fn with_checkpointer(mut self, checkpointer: Checkpointer) -> Self {
        self.checkpointer = Some(checkpointer);
        self
    }

    /// Saves where the step has got to (a JSON object of at most 64 KiB, by convention with a
    /// `cursor`) and extends the lease; the step's next attempt gets it as
    /// [`resume_from`](Self::resume_from). Await each call: they are saved in order.
    ///
    /// Errors: `checkpoint_refused` (retryable) once the attempt no longer holds its step (its
    /// lease passed to another worker, it was reported, or its deadline passed): stop, nothing
    /// more of it counts; `invalid_checkpoint` (permanent) for a value the server cannot store.
    pub async fn checkpoint(&self, value: impl Serialize) -> Result<(), StepError> {
        let invalid = |why: String| StepError::permanent(why).code("invalid_checkpoint");
        let map = match serde_json::to_value(value) {
            Ok(Value::Object(map)) => map,
            Ok(other) => return Err(invalid(format!("a checkpoint is a JSON object, got {other}"))),
            Err(e) => return Err(invalid(format!("a checkpoint must be JSON: {e}"))),
        };
        if self.is_cancelled() || Instant::now() >= self.deadline {
            let reason = self.stop_reason().unwrap_or(StopReason::Timeout).as_str();
            return Err(StepError::retryable(format!("the attempt has ended ({reason}): checkpoint not saved"))
                .code("checkpoint_refused"));
        }
        let Some(save) = &self.checkpointer else {
            return Err(StepError::retryable("this context has no worker to save checkpoints through").code("checkpoint_refused"));
        };
        (save.0)(map).await
    }

    /// A batch worker instance's batch (its cursor range, batch id, `no_op`...); a permanent
    /// `not_a_batch_worker` error on a step that is not one.
    pub fn batch(&self) -> Result<BatchInputs, StepError> {
        match self.initialization.get("batch") {
            Some(batch @ Value::Object(_)) => decode(batch.clone(), "the batch (initialization.batch)"),
            _ => Err(StepError::permanent(format!(
                "step {:?} is not a batch worker instance: it has no initialization.batch",
                self.step_name
            ))
            .code("not_a_batch_worker")),
        }
    }

    /// An initialization value by key, if present.
    pub fn init_value(&self, key: &str) -> Option<&Value> {
        self.initialization.get(key)
    }

    /// When the attempt times out.
    pub fn deadline(&self) -> Instant {
        self.deadline
    }

    /// The deadline as wall-clock time.
    pub fn deadline_at(&self) -> SystemTime {
        self.deadline_at
    }

    /// Time left before the deadline.
    pub fn remaining(&self) -> Duration {
        self.deadline.saturating_duration_since(Instant::now())
    }

    /// Fires at the deadline, when the task is cancelled, when the claim is lost, or when the
    /// worker shuts down. Pass it on (e.g. `tokio::select!` on `cancellation().cancelled()`).
    pub fn cancellation(&self) -> &CancellationToken {
        self.stop.token()
    }

    /// Whether the attempt was asked to stop.
    pub fn is_cancelled(&self) -> bool {
        self.stop.token().is_cancelled()
    }

    /// Why the attempt was asked to stop, once it was.
    pub fn stop_reason(&self) -> Option<StopReason> {
        self.stop.reason()
    }

    /// The error to end with once asked to stop (`Err` from [`sleep`](Self::sleep) and
    /// [`check_cancelled`](Self::check_cancelled)).
    pub fn stopped_error(&self) -> StepError {
        let reason = self.stop_reason().unwrap_or(StopReason::Cancelled);
        StepError::retryable(format!("step {} stopped: {}", self.step_name, reason.as_str())).code(reason.as_str())
    }

    /// `Err` once the attempt was asked to stop; for loops that do not await.
    pub fn check_cancelled(&self) -> Result<(), StepError> {
        if self.is_cancelled() {
            Err(self.stopped_error())
        } else {
            Ok(())
        }
    }

    /// Sleeps, ending early with an error when the attempt is asked to stop.
    pub async fn sleep(&self, duration: Duration) -> Result<(), StepError> {
        tokio::select! {
            () = tokio::time::sleep(duration) => Ok(()),
            () = self.stop.token().cancelled() => Err(self.stopped_error()),
        }
    }
}

/// Decodes `value` as `T`, or a permanent `invalid_input` error naming the field and `what`.
pub(crate) fn decode<T: DeserializeOwned>(value: Value, what: &str) -> Result<T, StepError> {
    serde_path_to_error::deserialize(value).map_err(|error| {
        let path = error.path().to_string();
        let type_name = std::any::type_name::<T>();
        let short = type_name.rsplit("::").next().unwrap_or(type_name);
        let field = if path == "." { "(root)".to_owned() } else { path.clone() };
        StepError::permanent(format!("{what} does not match {short}: {field}: {}", error.inner()))
            .code("invalid_input")
            .metadata(json!({ "field": field, "expected": type_name, "problem": error.inner().to_string() }))
    })
}

/// Parses the server's timestamps (`2026-12-05T10:00:30.000Z`, or any RFC 3339 time with a
/// `Z` or `+hh:mm` offset).
pub(crate) fn parse_rfc3339(text: &str) -> Option<SystemTime> {
    let b = text.as_bytes();
    if b.len() < 20 || b[4] != b'-' || b[7] != b'-' || !matches!(b[10], b'T' | b't' | b' ') || b[13] != b':' || b[16] != b':' {
        return None;
    }
    let num = |from: usize, to: usize| -> Option<i64> { text.get(from..to)?.parse().ok() };
    let (year, month, day) = (num(0, 4)?, num(5, 7)?, num(8, 10)?);
    let (hour, minute, second) = (num(11, 13)?, num(14, 16)?, num(17, 19)?);
    let mut i = 19;
    let mut nanos: i64 = 0;
    if b.get(i) == Some(&b'.') {
        i += 1;
        let start = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        let digits = text.get(start..i)?;
        let padded: String = digits.chars().chain(std::iter::repeat('0')).take(9).collect();
        nanos = padded.parse().ok()?;
    }
    let offset_seconds = match b.get(i)? {
        b'Z' | b'z' => 0,
        sign @ (b'+' | b'-') => {
            let hours = num(i + 1, i + 3)?;
            let minutes = num(i + 4, i + 6)?;
            let total = hours * 3600 + minutes * 60;
            if *sign == b'+' {
                total
            } else {
                -total
            }
        }
        _ => return None,
    };
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) || hour > 23 || minute > 59 || second > 60 {
        return None;
    }
    let days = days_from_civil(year, month, day);
    let seconds = days * 86_400 + hour * 3600 + minute * 60 + second - offset_seconds;
    let base = if seconds >= 0 {
        UNIX_EPOCH + Duration::from_secs(seconds as u64)
    } else {
        UNIX_EPOCH - Duration::from_secs(seconds.unsigned_abs())
    };
    Some(base + Duration::from_nanos(nanos as u64))
}

/// Days since 1970-01-01 of a proleptic Gregorian date.
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[test]
    fn parses_the_servers_timestamps() {
        let t = parse_rfc3339("2026-12-05T10:00:30.250Z").unwrap();
        assert_eq!(t.duration_since(UNIX_EPOCH).unwrap().as_millis(), 1_796_464_830_250);
        let offset = parse_rfc3339("2026-12-05T11:00:30.250+01:00").unwrap();
        assert_eq!(offset, t);
        assert_eq!(parse_rfc3339("1970-01-01T00:00:00Z"), Some(UNIX_EPOCH));
        assert!(parse_rfc3339("yesterday").is_none());
        assert!(parse_rfc3339("2026-13-05T10:00:30Z").is_none());
    }

    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct Payment {
        method: String,
        token: String,
    }

    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct Order {
        order_id: u64,
        payment_info: Payment,
    }

    #[test]
    fn a_mismatch_names_the_field() {
        let ctx = StepContext::for_test(
            json!({"order_id": 7, "payment_info": {"method": "card"}}),
            json!({}),
            json!({}),
        );
        let err = ctx.input::<Order>().unwrap_err();
        assert!(!err.is_retryable());
        assert_eq!(err.code_str(), Some("invalid_input"));
        assert!(err.message().contains("payment_info"), "{}", err.message());
        assert!(err.message().contains("token"), "{}", err.message());
        let wrong_type = StepContext::for_test(json!({"order_id": "seven"}), json!({}), json!({}));
        assert!(wrong_type.input::<Order>().unwrap_err().message().contains("order_id"));
    }

    #[test]
    fn reads_one_ancestor_or_says_which_exist() {
        let ctx = StepContext::for_test(json!({}), json!({"first": {"n": 1}}), json!({"k": 2}));
        #[derive(Debug, Deserialize)]
        struct N {
            n: u32,
        }
        assert_eq!(ctx.result::<N>("first").unwrap().n, 1);
        let missing = ctx.result::<N>("second").unwrap_err();
        assert!(missing.message().contains("first"));
        assert_eq!(ctx.init_value("k"), Some(&json!(2)));
    }
}
