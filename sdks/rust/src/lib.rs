//! # tasker-worker
//!
//! Step handlers in Rust for the tasker-ts orchestration server (`tasker-ctl serve`), over its
//! [worker protocol](https://github.com/tasker-ts/tasker-ts/blob/main/docs/worker-protocol.md):
//! HTTP + JSON, no database access, only the server's URL and an API key with the `worker`
//! permission. Plus a typed client of the orchestration API.
//!
//! ```no_run
//! use serde::Deserialize;
//! use serde_json::{json, Value};
//! use tasker_worker::{typed_fn, HandlerRegistry, NoDeps, StepContext, StepError, Worker, WorkerConfig};
//!
//! #[derive(Deserialize)]
//! struct Order { order_id: u64, token: String }
//!
//! async fn charge(ctx: StepContext, order: Order, _deps: NoDeps) -> Result<Value, StepError> {
//!     if order.token == "tok_declined" {
//!         return Err(StepError::permanent("card declined").code("card_declined"));
//!     }
//!     if order.token == "tok_flaky" && ctx.attempt == 1 {
//!         return Err(StepError::retryable("gateway timed out").retry_after(std::time::Duration::from_millis(200)));
//!     }
//!     Ok(json!({ "charged": order.order_id }))
//! }
//!
//! #[tokio::main]
//! async fn main() -> Result<(), tasker_worker::Error> {
//!     let registry = HandlerRegistry::new().with(typed_fn("shop.charge", charge));
//!     let config = WorkerConfig::new("http://127.0.0.1:8080", ["shop"]).api_key("...").concurrency(8);
//!     let worker = Worker::new(config, registry).start().await?;   // spawned on this runtime
//!     tokio::signal::ctrl_c().await.ok();
//!     worker.stop().await;                                         // drain, wait, deregister
//!     Ok(())
//! }
//! ```
//!
//! What the worker does for you (the protocol's rules): long-polls for claims while it has free
//! slots; runs each step with its deadline and reports a `timeout` when it passes (the handler's
//! task is aborted); runs the `next` step a report carries in the same slot (a chain costs one
//! round trip a step); sends heartbeats and stops a step whose task was cancelled or whose claim
//! was lost; reports a result larger than the server's `max_result_bytes` as a permanent
//! `result_too_large` (and a claim for a callable it has no handler for, which the server avoids
//! by handing a worker only its registered callables, as `handler_missing`); retries a report
//! that got no answer (or a 5xx) for the longer of the lease and 30 s; and on
//! [`WorkerHandle::stop`] drains, waits for running steps and deregisters.
#![warn(missing_docs)]

mod client;
mod context;
mod error;
mod handler;
mod http;
mod outcomes;
pub mod protocol;
#[cfg(feature = "testing")]
pub mod testing;
mod worker;

pub use client::{CreatedTask, Step, StepErrorInfo, Task, TaskRequest, TaskerClient, TERMINAL_STATES};
pub use context::{StepContext, StopReason};
pub use error::{Error, ErrorKind, PermanentExt, StepError};
pub use handler::{
    handler_fn, typed_fn, typed_fn_with, BoxFuture, FnHandler, HandlerRegistry, NoDeps, StepHandler, StepResult, TypedHandler,
};
pub use outcomes::{
    batch_results, plan_batches, BatchInputs, BatchPlan, CursorConfig, Decision, BATCH_OUTCOME_KEY, DECISION_OUTCOME_KEY, MAX_BATCHES,
};
pub use protocol::WorkerInfo;
pub use worker::{TaskFinished, Worker, WorkerConfig, WorkerHandle, WorkerStatus, SDK_NAME, SDK_VERSION};
