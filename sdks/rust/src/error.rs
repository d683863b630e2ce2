//! Errors: [`StepError`] is what a handler fails with; [`Error`] is what the client and the
//! worker's setup fail with.

use std::fmt;
use std::time::Duration;

use serde_json::{Map, Value};

/// Whether a failed attempt may be tried again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// Ends the step at once, whatever attempts remain (a declined card, bad input).
    Permanent,
    /// Tried again after the template's backoff (or [`StepError::retry_after`]) while attempts
    /// remain.
    Retryable,
}

/// A handler's failure: a message for people, an optional machine-readable `code` and
/// `metadata`, and whether trying again can help. It ends up on the step (`error`).
///
/// Any other error converts into a *retryable* `StepError` with `?` (a bug and a blip look the
/// same from here; the step's `max_attempts` bounds it), so handlers can use `?` on database
/// and HTTP calls and say `StepError::permanent(...)` only where retrying cannot help:
///
/// ```
/// use tasker_worker::StepError;
///
/// fn charge(token: &str) -> Result<(), StepError> {
///     if token == "tok_declined" {
///         return Err(StepError::permanent("the issuer declined the card").code("card_declined"));
///     }
///     let amount: u32 = "42".parse()?; // a ParseIntError would be a retryable failure
///     let _ = amount;
///     Ok(())
/// }
/// assert_eq!(charge("tok_declined").unwrap_err().code_str(), Some("card_declined"));
/// ```
///
/// `StepError` does not implement [`std::error::Error`] itself, so that every error type can
/// convert into it.
#[derive(Debug, Clone)]
pub struct StepError(Box<Inner>);

#[derive(Debug, Clone)]
struct Inner {
    kind: ErrorKind,
    message: String,
    code: Option<String>,
    metadata: Option<Map<String, Value>>,
    retry_after: Option<Duration>,
}

impl StepError {
    /// A failure that no retry can fix: the step ends in `error` now.
    pub fn permanent(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Permanent, message)
    }

    /// A failure worth another attempt (after the template's backoff, or
    /// [`retry_after`](Self::retry_after)).
    pub fn retryable(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Retryable, message)
    }

    fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Self(Box::new(Inner { kind, message: message.into(), code: None, metadata: None, retry_after: None }))
    }

    /// A machine-readable code, e.g. `card_declined`.
    #[must_use]
    pub fn code(mut self, code: impl Into<String>) -> Self {
        self.0.code = Some(code.into());
        self
    }

    /// Details kept with the error on the step. Anything but a JSON object is stored as
    /// `{"value": ...}`.
    #[must_use]
    pub fn metadata(mut self, metadata: Value) -> Self {
        self.0.metadata = Some(match metadata {
            Value::Object(map) => map,
            other => Map::from_iter([("value".to_owned(), other)]),
        });
        self
    }

    /// Ask for the next attempt after this long instead of the template's backoff (retryable
    /// errors only; a permanent error ignores it).
    #[must_use]
    pub fn retry_after(mut self, delay: Duration) -> Self {
        self.0.retry_after = Some(delay);
        self
    }

    /// Permanent or retryable.
    pub fn kind(&self) -> ErrorKind {
        self.0.kind
    }

    /// Whether another attempt may follow.
    pub fn is_retryable(&self) -> bool {
        self.0.kind == ErrorKind::Retryable
    }

    /// The message.
    pub fn message(&self) -> &str {
        &self.0.message
    }

    /// The code, if one was given.
    pub fn code_str(&self) -> Option<&str> {
        self.0.code.as_deref()
    }

    /// The metadata, if any was given.
    pub fn metadata_map(&self) -> Option<&Map<String, Value>> {
        self.0.metadata.as_ref()
    }

    /// The requested delay before the next attempt, if any.
    pub fn retry_after_duration(&self) -> Option<Duration> {
        self.0.retry_after
    }
}

impl fmt::Display for StepError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0.code {
            Some(code) => write!(f, "{} ({code})", self.0.message),
            None => f.write_str(&self.0.message),
        }
    }
}

impl<E: std::error::Error + Send + Sync + 'static> From<E> for StepError {
    /// Any error is retryable, with its message (and its sources') and its type name as code.
    fn from(error: E) -> Self {
        let mut message = error.to_string();
        let mut source = error.source();
        while let Some(cause) = source {
            message.push_str(": ");
            message.push_str(&cause.to_string());
            source = cause.source();
        }
        let type_name = std::any::type_name::<E>();
        let short = type_name.rsplit("::").next().unwrap_or(type_name);
        StepError::retryable(message).code(short)
    }
}

/// Turns any error into a permanent [`StepError`] with a code, for `?` where a retry cannot
/// help:
///
/// ```
/// use tasker_worker::{PermanentExt, StepError};
///
/// fn parse(raw: &str) -> Result<u32, StepError> {
///     raw.parse::<u32>().permanent("bad_number")
/// }
/// assert!(!parse("x").unwrap_err().is_retryable());
/// ```
pub trait PermanentExt<T> {
    /// Maps the error to `StepError::permanent(error.to_string()).code(code)`.
    fn permanent(self, code: &str) -> Result<T, StepError>;
}

impl<T, E: fmt::Display> PermanentExt<T> for Result<T, E> {
    fn permanent(self, code: &str) -> Result<T, StepError> {
        self.map_err(|e| StepError::permanent(e.to_string()).code(code))
    }
}

/// What the client, and a worker's start, fail with.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The server answered with an error status (its `{"error": {code, message, details}}`).
    #[error("{request} answered {status}{}: {message}", code.as_deref().map(|c| format!(" {c}")).unwrap_or_default())]
    Api {
        /// The request's method and path, e.g. `GET /v1/tasks/...`.
        request: String,
        /// The HTTP status.
        status: u16,
        /// The envelope's `code` (e.g. `NOT_FOUND`).
        code: Option<String>,
        /// The envelope's message, or the body.
        message: String,
        /// The envelope's `details`.
        details: Option<Box<Value>>,
    },
    /// No answer: the server is down, unreachable, or the connection broke.
    #[error("cannot reach the orchestration server ({request}): {source}")]
    Unreachable {
        /// The request's method and URL.
        request: String,
        /// What failed.
        #[source]
        source: reqwest::Error,
    },
    /// The server answered 2xx with a body that is not what this SDK expects.
    #[error("unexpected answer to {request}: {message}")]
    Decode {
        /// The request's method and path.
        request: String,
        /// What was wrong with it.
        message: String,
    },
    /// [`TaskerClient::wait_for_completion`](crate::TaskerClient::wait_for_completion) ran out of time.
    #[error("task {task_uuid} did not end within {timeout:?} (last status: {last_status})")]
    Timeout {
        /// The task waited for.
        task_uuid: String,
        /// How long it waited.
        timeout: Duration,
        /// The status it saw last.
        last_status: String,
    },
    /// A setting is missing or wrong.
    #[error("invalid configuration: {0}")]
    Config(String),
}

impl Error {
    /// The HTTP status, for [`Error::Api`].
    pub fn status(&self) -> Option<u16> {
        match self {
            Error::Api { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// Whether trying again later may help: no answer, or a 5xx / 429.
    pub fn is_transient(&self) -> bool {
        match self {
            Error::Unreachable { .. } => true,
            Error::Api { status, .. } => *status >= 500 || *status == 429,
            _ => false,
        }
    }
}
