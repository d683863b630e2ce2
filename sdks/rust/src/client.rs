//! A typed client of the orchestration API: create tasks (with idempotency keys), read them and
//! their steps, cancel them, wait for them to end, register templates.

use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::error::Error;
use crate::http::Http;
use crate::protocol::{WorkerInfo, WorkerList};

/// The task states in which a task has ended.
pub const TERMINAL_STATES: [&str; 4] = ["complete", "error", "cancelled", "resolved_manually"];

/// `POST /v1/tasks`: which template to run, with what context. Build it with
/// [`TaskRequest::new`] and the setters.
#[derive(Debug, Clone, Default, Serialize)]
pub struct TaskRequest {
    /// The template's name.
    pub name: String,
    /// The template's namespace.
    pub namespace: String,
    /// The template's version (default: the newest).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// The task context (checked against the template's `input_schema`).
    pub context: Map<String, Value>,
    /// Who asked.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub initiator: Option<String>,
    /// Which system asked.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source_system: Option<String>,
    /// Why.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Free-form tags.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
    /// -1000..1000.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub priority: Option<i32>,
    /// Ties tasks of one business operation together.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub correlation_id: Option<String>,
    /// The same key returns the existing task (200) instead of a new one; a different payload
    /// under the same key is a 409.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub idempotency_key: Option<String>,
}

impl TaskRequest {
    /// A request for the newest version of `namespace`/`name`, with an empty context.
    pub fn new(namespace: impl Into<String>, name: impl Into<String>) -> Self {
        Self { namespace: namespace.into(), name: name.into(), ..Self::default() }
    }

    /// Sets the version.
    #[must_use]
    pub fn version(mut self, version: impl Into<String>) -> Self {
        self.version = Some(version.into());
        self
    }

    /// Sets the context from any serializable value that is a JSON object (anything else
    /// becomes an empty context).
    #[must_use]
    pub fn context(mut self, context: impl Serialize) -> Self {
        self.context = match serde_json::to_value(context) {
            Ok(Value::Object(map)) => map,
            _ => Map::new(),
        };
        self
    }

    /// Sets the idempotency key.
    #[must_use]
    pub fn idempotency_key(mut self, key: impl Into<String>) -> Self {
        self.idempotency_key = Some(key.into());
        self
    }

    /// Sets the correlation id.
    #[must_use]
    pub fn correlation_id(mut self, id: impl Into<String>) -> Self {
        self.correlation_id = Some(id.into());
        self
    }

    /// Sets the initiator.
    #[must_use]
    pub fn initiator(mut self, initiator: impl Into<String>) -> Self {
        self.initiator = Some(initiator.into());
        self
    }

    /// Sets the source system.
    #[must_use]
    pub fn source_system(mut self, source: impl Into<String>) -> Self {
        self.source_system = Some(source.into());
        self
    }

    /// Sets the reason.
    #[must_use]
    pub fn reason(mut self, reason: impl Into<String>) -> Self {
        self.reason = Some(reason.into());
        self
    }

    /// Adds a tag.
    #[must_use]
    pub fn tag(mut self, tag: impl Into<String>) -> Self {
        self.tags.push(tag.into());
        self
    }
}

/// The error stored on a failed step.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StepErrorInfo {
    /// The message.
    pub message: String,
    /// The code.
    pub code: Option<String>,
    /// Whether it was retryable.
    pub retryable: bool,
    /// `permanent`, `retryable`, `timeout`, `worker_lost`, `handler_missing` or `manual`.
    pub kind: String,
    /// The handler's metadata.
    pub metadata: Option<Map<String, Value>>,
}

/// A workflow step as the API returns it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Step {
    /// The step.
    pub workflow_step_uuid: String,
    /// Its task.
    pub task_uuid: String,
    /// Its name in the template.
    pub name: String,
    /// `pending`, `enqueued`, `in_progress`, ..., `complete`, `error`, `cancelled`, `resolved_manually`.
    pub current_state: String,
    /// Attempts made.
    pub attempts: u32,
    /// Attempts allowed.
    pub max_attempts: u32,
    /// Its result, once complete.
    #[serde(default)]
    pub results: Option<Value>,
    /// Its error, once failed.
    #[serde(default)]
    pub error: Option<StepErrorInfo>,
    /// The other fields of the API's step (timestamps, readiness).
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A task as the API returns it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Task {
    /// The task.
    pub task_uuid: String,
    /// Its template's name.
    pub name: String,
    /// Its template's namespace.
    pub namespace: String,
    /// Its template's version.
    pub version: String,
    /// `pending` ... `complete`, `error`, `cancelled`, `resolved_manually`.
    pub status: String,
    /// Its context.
    pub context: Map<String, Value>,
    /// Its correlation id.
    pub correlation_id: String,
    /// 0..100.
    pub completion_percentage: f64,
    /// Steps in all.
    pub total_steps: u32,
    /// Steps not started.
    pub pending_steps: u32,
    /// Steps running.
    pub in_progress_steps: u32,
    /// Steps complete.
    pub completed_steps: u32,
    /// Steps failed.
    pub failed_steps: u32,
    /// Why it ended in `error`.
    #[serde(default)]
    pub error: Option<String>,
    /// Its steps (absent from lists).
    #[serde(default)]
    pub steps: Vec<Step>,
    /// The API's other fields (timestamps, tags, health).
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl Task {
    /// Whether the task has ended.
    pub fn is_terminal(&self) -> bool {
        TERMINAL_STATES.contains(&self.status.as_str())
    }

    /// One of its steps by name.
    pub fn step(&self, name: &str) -> Option<&Step> {
        self.steps.iter().find(|s| s.name == name)
    }
}

/// The answer to [`TaskerClient::create_task`].
#[derive(Debug, Clone)]
pub struct CreatedTask {
    /// The task.
    pub task: Task,
    /// False when the idempotency key returned an existing task.
    pub created: bool,
}

/// A client of the orchestration API (`/v1`). Cheap to clone (one connection pool).
#[derive(Clone, Debug)]
pub struct TaskerClient {
    http: Http,
    request_timeout: Duration,
}

fn path_segment(raw: &str) -> String {
    raw.bytes()
        .map(|b| if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) { char::from(b).to_string() } else { format!("%{b:02X}") })
        .collect()
}

impl TaskerClient {
    /// A client of the server at `url`, sending `api_key` as `X-API-Key` when given.
    pub fn new(url: &str, api_key: Option<String>) -> Result<Self, Error> {
        Ok(Self { http: Http::new(url, api_key)?, request_timeout: Duration::from_secs(30) })
    }

    /// The server's base URL.
    pub fn base_url(&self) -> &str {
        self.http.base_url()
    }

    async fn call<T: serde::de::DeserializeOwned>(&self, method: Method, path: &str, body: Option<&Value>) -> Result<(StatusCode, T), Error> {
        let answer = self.http.call::<T>(method, path, body, Some(self.request_timeout)).await?;
        Ok((answer.status, answer.body))
    }

    /// Creates a task; with an idempotency key already used for the same payload, returns the
    /// existing task (`created: false`).
    pub async fn create_task(&self, request: &TaskRequest) -> Result<CreatedTask, Error> {
        let body = serde_json::to_value(request).map_err(|e| Error::Config(format!("cannot encode the task request: {e}")))?;
        let (status, task) = self.call::<Task>(Method::POST, "/v1/tasks", Some(&body)).await?;
        Ok(CreatedTask { task, created: status == StatusCode::CREATED })
    }

    /// A task with its steps.
    pub async fn get_task(&self, task_uuid: &str) -> Result<Task, Error> {
        Ok(self.call(Method::GET, &format!("/v1/tasks/{}", path_segment(task_uuid)), None).await?.1)
    }

    /// A task's steps, with their results and errors.
    pub async fn list_steps(&self, task_uuid: &str) -> Result<Vec<Step>, Error> {
        Ok(self.call(Method::GET, &format!("/v1/tasks/{}/workflow_steps", path_segment(task_uuid)), None).await?.1)
    }

    /// One step of a task by name, with its result and error.
    pub async fn step_by_name(&self, task_uuid: &str, name: &str) -> Result<Option<Step>, Error> {
        Ok(self.list_steps(task_uuid).await?.into_iter().find(|s| s.name == name))
    }

    /// Cancels a task (no new steps start); returns it.
    pub async fn cancel_task(&self, task_uuid: &str, reason: Option<&str>) -> Result<Task, Error> {
        let mut path = format!("/v1/tasks/{}", path_segment(task_uuid));
        if let Some(reason) = reason {
            path.push_str("?reason=");
            path.push_str(&path_segment(reason));
        }
        Ok(self.call(Method::DELETE, &path, None).await?.1)
    }

    /// Polls the task every `interval` until it ends; [`Error::Timeout`] after `timeout`.
    pub async fn wait_for_completion(&self, task_uuid: &str, timeout: Duration, interval: Duration) -> Result<Task, Error> {
        let until = tokio::time::Instant::now() + timeout;
        loop {
            let task = self.get_task(task_uuid).await?;
            if task.is_terminal() {
                return Ok(task);
            }
            if tokio::time::Instant::now() + interval > until {
                return Err(Error::Timeout { task_uuid: task_uuid.to_owned(), timeout, last_status: task.status });
            }
            tokio::time::sleep(interval).await;
        }
    }

    /// Registers a template from its YAML text (permission `templates:write`); returns the
    /// template as registered.
    pub async fn register_template(&self, yaml: &str) -> Result<Value, Error> {
        let body = serde_json::json!({ "yaml": yaml });
        Ok(self.call(Method::POST, "/v1/templates", Some(&body)).await?.1)
    }

    /// The registered workers (permission `worker`).
    pub async fn list_workers(&self) -> Result<Vec<WorkerInfo>, Error> {
        Ok(self.call::<WorkerList>(Method::GET, "/v1/worker/workers", None).await?.1.workers)
    }
}
