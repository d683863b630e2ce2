//! The SDK against a real orchestration server: `tasker-ctl serve` on a fresh PostgreSQL
//! database (tasker_worker::testing), one server for all cases. A small harness of its own
//! (`harness = false`) so the server and the database are stopped and dropped at the end; it
//! prints libtest's lines (`test <name> ... ok`, `test result: ...`). Each case runs in a
//! namespace of its own, and the workers it started are stopped when it ends, passed or failed,
//! so a failed case cannot hand its steps or its workers to the next.

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use serde::Deserialize;
use serde_json::{json, Value};
use tasker_worker::testing::{TaskerServer, TestDatabase};
use tasker_worker::{
    handler_fn, typed_fn, typed_fn_with, Decision, Error, HandlerRegistry, NoDeps, StepContext, StepError, StepHandler,
    StopReason, TaskRequest, TaskerClient, Worker, WorkerConfig, WorkerHandle,
};

/// Templates name their namespace `{ns}`: each case registers them in a namespace of its own.
const TEMPLATE_CHAIN: &str = r#"
name: typed_chain
namespace_name: "{ns}"
version: 1.0.0
steps:
  - name: price
    handler: { callable: rust_sdk.price, initialization: { tax_percent: 10 } }
  - name: charge
    dependencies: [price]
    handler: { callable: rust_sdk.charge }
    retry: { max_attempts: 3, backoff: linear, backoff_base_ms: 50 }
"#;

const TEMPLATE_SINGLE: &str = r#"
name: single
namespace_name: "{ns}"
version: 1.0.0
steps:
  - name: only
    handler: { callable: rust_sdk.behaviour }
    retry: { max_attempts: 2, backoff: linear, backoff_base_ms: 50 }
    timeout_seconds: 2
"#;

const TEMPLATE_SHAPED: &str = r#"
name: shaped
namespace_name: "{ns}"
version: 1.0.0
steps:
  - name: start
    handler: { callable: rust_sdk.behaviour }
  - name: route
    type: decision
    dependencies: [start]
    handler: { callable: rust_sdk.route }
  - name: resume
    dependencies: [route]
    handler: { callable: rust_sdk.resume }
    retry: { max_attempts: 2, backoff: linear, backoff_base_ms: 50 }
  - name: not_taken
    dependencies: [route]
    handler: { callable: rust_sdk.behaviour }
"#;

/// A step only a cancellation ends: its deadline is far beyond what the cancel case waits, so the
/// deadline cannot end the attempt before a heartbeat brings the cancellation.
const TEMPLATE_CANCELLABLE: &str = r#"
name: cancellable
namespace_name: "{ns}"
version: 1.0.0
steps:
  - name: only
    handler: { callable: rust_sdk.behaviour }
    timeout_seconds: 600
"#;

const TEMPLATES: [&str; 4] = [TEMPLATE_CHAIN, TEMPLATE_SINGLE, TEMPLATE_SHAPED, TEMPLATE_CANCELLABLE];

type Case = fn(Arc<Env>) -> Pin<Box<dyn Future<Output = ()> + Send>>;

/// One case's view of the server.
struct Env {
    url: String,
    worker_key: String,
    admin: TaskerClient,
    /// This case's namespace: no other case's worker can claim its steps.
    ns: String,
    /// The workers this case started; the harness stops them when the case ends, failed or not.
    workers: Mutex<Vec<WorkerHandle>>,
}

impl Env {
    fn template(&self, yaml: &str) -> String {
        yaml.replace("{ns}", &self.ns)
    }

    fn config(&self) -> WorkerConfig {
        WorkerConfig::new(&self.url, [self.ns.as_str()])
            .api_key(&self.worker_key)
            .lease_seconds(6)
            .claim_wait(Duration::from_millis(500))
            .shutdown_timeout(Duration::from_secs(5))
    }

    /// Starts a worker the harness stops after the case, even when the case fails.
    async fn start(&self, worker: Worker) -> WorkerHandle {
        let handle = worker.start().await.expect("worker starts");
        self.workers.lock().unwrap_or_else(PoisonError::into_inner).push(handle.clone());
        handle
    }

    async fn stop_workers(&self) {
        let workers = std::mem::take(&mut *self.workers.lock().unwrap_or_else(PoisonError::into_inner));
        for worker in workers {
            worker.stop().await;
        }
    }

    fn task(&self, name: &str) -> TaskRequest {
        TaskRequest::new(&self.ns, name)
    }

    async fn run(&self, name: &str, context: Value) -> tasker_worker::Task {
        let created = self.admin.create_task(&self.task(name).context(context)).await.expect("create");
        self.admin.wait_for_completion(&created.task.task_uuid, Duration::from_secs(30), Duration::from_millis(100)).await.expect("task ends")
    }

    async fn step(&self, task: &tasker_worker::Task, name: &str) -> tasker_worker::Step {
        self.admin.step_by_name(&task.task_uuid, name).await.expect("steps").expect("step exists")
    }
}

// ---- handlers ---------------------------------------------------------------------------

#[derive(Debug, Deserialize)]
struct Order {
    amount_cents: u64,
    token: String,
}

#[derive(Debug, Deserialize)]
struct Priced {
    total_cents: u64,
}

#[derive(Debug, Deserialize)]
struct ChargeDeps {
    price: Priced,
}

async fn price(ctx: StepContext, order: Order, _deps: NoDeps) -> Result<Value, StepError> {
    let tax: u64 = ctx.init_value("tax_percent").and_then(Value::as_u64).unwrap_or(0);
    Ok(json!({ "total_cents": order.amount_cents + order.amount_cents * tax / 100 }))
}

#[derive(Clone, Default)]
struct Ledger {
    charges: Arc<Mutex<Vec<u64>>>,
}

async fn charge(ledger: Ledger, ctx: StepContext, order: Order, deps: ChargeDeps) -> Result<Value, StepError> {
    match order.token.as_str() {
        "tok_declined" => return Err(StepError::permanent("card declined").code("card_declined").metadata(json!({"last4": "0002"}))),
        "tok_flaky" if ctx.attempt == 1 => {
            return Err(StepError::retryable("gateway timed out").code("gateway_timeout").retry_after(Duration::from_millis(100)))
        }
        _ => {}
    }
    ledger.charges.lock().unwrap().push(deps.price.total_cents);
    Ok(json!({ "charged_cents": deps.price.total_cents, "attempt": ctx.attempt }))
}

/// `rust_sdk.behaviour`: what it does comes from the task context's `do`.
struct Behaviour {
    cancelled_seen: Arc<AtomicU32>,
}

impl StepHandler for Behaviour {
    fn callable(&self) -> &str {
        "rust_sdk.behaviour"
    }

    async fn call(&self, ctx: StepContext) -> Result<Value, StepError> {
        let what = ctx.context.get("do").and_then(Value::as_str).unwrap_or("").to_owned();
        match what.as_str() {
            "ignore_deadline" => {
                // Never looks at its cancellation: the worker aborts it at the deadline.
                std::thread::sleep(Duration::from_millis(10));
                tokio::time::sleep(Duration::from_secs(60)).await;
                Ok(json!("unreachable"))
            }
            "wait_for_cancel" => {
                let result = ctx.sleep(Duration::from_secs(3600)).await;
                if ctx.stop_reason() == Some(StopReason::Cancelled) {
                    self.cancelled_seen.fetch_add(1, Ordering::SeqCst);
                }
                result.map(|()| json!("slept"))
            }
            "slow_ok" => {
                ctx.sleep(Duration::from_millis(1500)).await?;
                Ok(json!({ "slow": true }))
            }
            "panic" => panic!("boom in a handler"),
            "big" => Ok(json!({ "padding": "x".repeat(2_000_000) })),
            "plain_error" => {
                let n: u32 = "not a number".parse()?;
                Ok(json!(n))
            }
            other => Ok(json!({ "did": other })),
        }
    }
}

async fn route(_ctx: StepContext) -> Result<Value, StepError> {
    let mut result = serde_json::Map::new();
    result.insert("why".into(), json!("resume it"));
    Ok(Decision::create_steps(["resume"]).with_result(result))
}

/// Saves a checkpoint on its first attempt and fails; the retry reports where it resumed.
async fn resume(ctx: StepContext) -> Result<Value, StepError> {
    if ctx.attempt == 1 {
        ctx.checkpoint(json!({ "cursor": 7 })).await?;
        return Err(StepError::retryable("crashed at 8").code("crashed"));
    }
    let cursor = ctx.resume_from.as_ref().and_then(|c| c.get("cursor")).cloned().unwrap_or(Value::Null);
    Ok(json!({ "resumed_at": cursor }))
}

struct Workers {
    handle: WorkerHandle,
    ledger: Ledger,
    cancelled_seen: Arc<AtomicU32>,
}

async fn start_worker(env: &Env) -> Workers {
    let ledger = Ledger::default();
    let cancelled_seen = Arc::new(AtomicU32::new(0));
    let registry = HandlerRegistry::new()
        .with(typed_fn("rust_sdk.price", price))
        .with(typed_fn_with(ledger.clone(), "rust_sdk.charge", charge))
        .with(Behaviour { cancelled_seen: cancelled_seen.clone() });
    let config = env.config().template(env.template(TEMPLATE_CHAIN)).template(env.template(TEMPLATE_SINGLE));
    let handle = env.start(Worker::new(config, registry)).await;
    Workers { handle, ledger, cancelled_seen }
}

// ---- cases --------------------------------------------------------------------------------

fn chain_with_typed_inputs(env: Arc<Env>) -> Pin<Box<dyn Future<Output = ()> + Send>> {
    Box::pin(async move {
        let w = start_worker(&env).await;
        let task = env.run("typed_chain", json!({ "amount_cents": 1000, "token": "tok_visa" })).await;
        assert_eq!(task.status, "complete");
        let charge = env.step(&task, "charge").await;
        assert_eq!(charge.results, Some(json!({ "charged_cents": 1100, "attempt": 1 })));
        assert_eq!(w.ledger.charges.lock().unwrap().as_slice(), &[1100]);
        let status = w.handle.status();
        assert!(status.completed >= 2, "{status:?}");
        w.handle.stop().await;
    })
}

fn typed_mismatch_names_the_field(env: Arc<Env>) -> Pin<Box<dyn Future<Output = ()> + Send>> {
    Box::pin(async move {
        let w = start_worker(&env).await;
        let task = env.run("typed_chain", json!({ "amount_cents": "ten", "token": "tok_visa" })).await;
        assert_eq!(task.status, "error");
        let price = env.step(&task, "price").await;
        let error = price.error.expect("error");
        assert_eq!(price.attempts, 1);
        assert_eq!(error.code.as_deref(), Some("invalid_input"));
        assert!(!error.retryable);
        assert!(error.message.contains("amount_cents"), "{}", error.message);
        w.handle.stop().await;
    })
}

fn retry_after_then_success_and_permanent_errors(env: Arc<Env>) -> Pin<Box<dyn Future<Output = ()> + Send>> {
    Box::pin(async move {
        let w = start_worker(&env).await;
        let flaky = env.run("typed_chain", json!({ "amount_cents": 500, "token": "tok_flaky" })).await;
        assert_eq!(flaky.status, "complete");
        let charge = env.step(&flaky, "charge").await;
        assert_eq!(charge.attempts, 2);
        let declined = env.run("typed_chain", json!({ "amount_cents": 500, "token": "tok_declined" })).await;
        assert_eq!(declined.status, "error");
        let charge = env.step(&declined, "charge").await;
        let error = charge.error.expect("error");
        assert_eq!((error.code.as_deref(), error.retryable, error.kind.as_str()), (Some("card_declined"), false, "permanent"));
        assert_eq!(error.metadata.unwrap()["last4"], json!("0002"));
        assert_eq!(charge.attempts, 1);
        w.handle.stop().await;
    })
}

fn deadline_aborts_a_handler_that_ignores_it(env: Arc<Env>) -> Pin<Box<dyn Future<Output = ()> + Send>> {
    Box::pin(async move {
        let w = start_worker(&env).await;
        let started = Instant::now();
        let task = env.run("single", json!({ "do": "ignore_deadline" })).await;
        assert_eq!(task.status, "error");
        let only = env.step(&task, "only").await;
        let error = only.error.expect("error");
        assert_eq!((error.code.as_deref(), error.kind.as_str()), (Some("timeout"), "timeout"));
        assert_eq!(only.attempts, 2, "a timeout is retryable");
        assert!(started.elapsed() < Duration::from_secs(15), "{:?}", started.elapsed());
        w.handle.stop().await;
    })
}

fn cancel_reaches_the_handler_through_heartbeats(env: Arc<Env>) -> Pin<Box<dyn Future<Output = ()> + Send>> {
    Box::pin(async move {
        let w = start_worker(&env).await;
        // The first heartbeat after the cancel brings it; ten intervals leave room for a loaded machine.
        let interval = w.handle.heartbeat_interval();
        let patience = interval * 10;
        let created = env.admin.create_task(&env.task("cancellable").context(json!({ "do": "wait_for_cancel" }))).await.unwrap();
        let uuid = created.task.task_uuid;
        let until = Instant::now() + Duration::from_secs(30);
        while env.step(&env.admin.get_task(&uuid).await.unwrap(), "only").await.current_state != "in_progress" {
            assert!(Instant::now() < until, "the step never started");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let cancelled = env.admin.cancel_task(&uuid, Some("changed my mind")).await.unwrap();
        assert_eq!(cancelled.status, "cancelled");
        let until = Instant::now() + patience;
        while w.cancelled_seen.load(Ordering::SeqCst) == 0 {
            if Instant::now() >= until {
                let step = env.step(&env.admin.get_task(&uuid).await.unwrap(), "only").await;
                panic!(
                    "the handler never saw the cancellation within {patience:?} (a heartbeat every {interval:?}); the step is {} with {:?}",
                    step.current_state, step.error
                );
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let until = Instant::now() + patience;
        while w.handle.status().in_flight != 0 {
            assert!(Instant::now() < until, "the cancelled step stayed in flight");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        w.handle.stop().await;
    })
}

fn stop_drains_running_steps_then_deregisters(env: Arc<Env>) -> Pin<Box<dyn Future<Output = ()> + Send>> {
    Box::pin(async move {
        let w = start_worker(&env).await;
        let created = env.admin.create_task(&env.task("single").context(json!({ "do": "slow_ok" }))).await.unwrap();
        let until = Instant::now() + Duration::from_secs(30);
        while w.handle.status().in_flight == 0 {
            assert!(Instant::now() < until, "the step never started");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        w.handle.stop().await;
        w.handle.stop().await; // idempotent
        let task = env.admin.get_task(&created.task.task_uuid).await.unwrap();
        assert_eq!(task.status, "complete", "the running step finished during the drain");
        let workers = env.admin.list_workers().await.unwrap();
        let me = workers.iter().find(|x| x.worker_id == w.handle.worker_id()).expect("listed");
        assert_eq!(me.status, "stopped");
        assert_eq!(me.sdk.as_ref().map(|s| s.name.as_str()), Some("tasker-worker-rust"));
    })
}

fn panics_oversized_results_and_plain_errors(env: Arc<Env>) -> Pin<Box<dyn Future<Output = ()> + Send>> {
    Box::pin(async move {
        let w = start_worker(&env).await;
        let panicked = env.run("single", json!({ "do": "panic" })).await;
        let error = env.step(&panicked, "only").await.error.expect("error");
        assert!(error.message.contains("boom in a handler") && error.retryable, "{error:?}");
        let big = env.run("single", json!({ "do": "big" })).await;
        let step = env.step(&big, "only").await;
        let error = step.error.expect("error");
        assert_eq!((error.code.as_deref(), error.retryable, step.attempts), (Some("result_too_large"), false, 1));
        let plain = env.run("single", json!({ "do": "plain_error" })).await;
        let step = env.step(&plain, "only").await;
        let error = step.error.expect("error");
        assert_eq!((error.code.as_deref(), error.retryable, step.attempts), (Some("ParseIntError"), true, 2));
        w.handle.stop().await;
    })
}

fn unhandled_callables_wait_and_the_finished_hook(env: Arc<Env>) -> Pin<Box<dyn Future<Output = ()> + Send>> {
    Box::pin(async move {
        // Only the price handler: the server hands this worker no charge step, which waits.
        let registry = HandlerRegistry::new().with(typed_fn("rust_sdk.price", price)).with(handler_fn("rust_sdk.noop", |_ctx| async { Ok(()) }));
        let partial = env.start(Worker::new(env.config().worker_id("rust-sdk-partial"), registry)).await;
        let created = env.admin.create_task(&env.task("typed_chain").context(json!({ "amount_cents": 1, "token": "tok_visa" }))).await.unwrap();
        let uuid = created.task.task_uuid;
        let until = Instant::now() + Duration::from_secs(10);
        while env.step(&env.admin.get_task(&uuid).await.unwrap(), "price").await.current_state != "complete" {
            assert!(Instant::now() < until, "price never ran");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        tokio::time::sleep(Duration::from_millis(1500)).await;
        let waiting = env.step(&env.admin.get_task(&uuid).await.unwrap(), "charge").await;
        assert_eq!((waiting.attempts, waiting.error.is_none()), (0, true), "{waiting:?}");
        partial.stop().await;

        // A worker with the handler takes it; its finished hook sees the task end.
        let seen: Arc<Mutex<Vec<(String, String)>>> = Arc::default();
        let hook_seen = seen.clone();
        let registry = HandlerRegistry::new().with(typed_fn_with(Ledger::default(), "rust_sdk.charge", charge));
        let full = env
            .start(Worker::new(env.config(), registry).on_task_finished(move |f| {
                let seen = hook_seen.clone();
                async move { seen.lock().unwrap().push((f.task_uuid, f.status)) }
            }))
            .await;
        let task = env.admin.wait_for_completion(&uuid, Duration::from_secs(20), Duration::from_millis(100)).await.unwrap();
        assert_eq!(task.status, "complete");
        let until = Instant::now() + Duration::from_secs(5);
        while !seen.lock().unwrap().contains(&(uuid.clone(), "complete".to_owned())) {
            assert!(Instant::now() < until, "the finished hook was not called: {:?}", seen.lock().unwrap());
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        full.stop().await;
    })
}

fn client_idempotency_and_errors(env: Arc<Env>) -> Pin<Box<dyn Future<Output = ()> + Send>> {
    Box::pin(async move {
        let key = format!("rust-sdk-{}", std::process::id());
        let request = env.task("single").version("1.0.0").context(json!({ "do": "nothing" })).idempotency_key(&key).tag("sdk-test");
        let first = env.admin.create_task(&request).await.unwrap();
        assert!(first.created);
        let again = env.admin.create_task(&request).await.unwrap();
        assert!(!again.created);
        assert_eq!(again.task.task_uuid, first.task.task_uuid);
        let changed = request.clone().context(json!({ "do": "else" }));
        let conflict = env.admin.create_task(&changed).await.unwrap_err();
        assert_eq!(conflict.status(), Some(409), "{conflict}");
        let steps = env.admin.list_steps(&first.task.task_uuid).await.unwrap();
        assert_eq!(steps.iter().map(|s| s.name.as_str()).collect::<Vec<_>>(), vec!["only"]);
        // No worker serves this case's namespace: the wait times out, then a cancel ends it.
        let waited = env.admin.wait_for_completion(&first.task.task_uuid, Duration::from_millis(300), Duration::from_millis(100)).await;
        assert!(matches!(waited, Err(Error::Timeout { .. })), "{waited:?}");
        assert_eq!(env.admin.cancel_task(&first.task.task_uuid, None).await.unwrap().status, "cancelled");

        let missing = env.admin.get_task("01890a5d-ac96-774b-bcce-b302099a8057").await.unwrap_err();
        assert_eq!((missing.status(), missing.is_transient()), (Some(404), false));
        let unknown_template = env.admin.create_task(&env.task("no_such_template")).await.unwrap_err();
        assert!(matches!(unknown_template.status(), Some(404 | 422 | 400)), "{unknown_template}");
        let bad_key = TaskerClient::new(&env.url, Some("wrong-key-0123456789".into())).unwrap();
        assert_eq!(bad_key.get_task(&first.task.task_uuid).await.unwrap_err().status(), Some(401));
        let port = tasker_worker::testing::free_port().unwrap();
        let down = TaskerClient::new(&format!("http://127.0.0.1:{port}"), None).unwrap();
        let unreachable = down.get_task(&first.task.task_uuid).await.unwrap_err();
        assert!(matches!(unreachable, Error::Unreachable { .. }) && unreachable.is_transient(), "{unreachable}");
        assert!(TaskerClient::new("localhost:8080", None).is_err());
        let refused = Worker::new(WorkerConfig::new(&env.url, [env.ns.as_str()]).api_key("wrong-key-0123456789"), HandlerRegistry::new()).start().await;
        assert_eq!(refused.err().and_then(|e| e.status()), Some(401));
    })
}

fn decision_then_a_retry_resumes_from_its_checkpoint(env: Arc<Env>) -> Pin<Box<dyn Future<Output = ()> + Send>> {
    Box::pin(async move {
        let registry = HandlerRegistry::new()
            .with(handler_fn("rust_sdk.route", route))
            .with(handler_fn("rust_sdk.resume", resume))
            .with(Behaviour { cancelled_seen: Arc::new(AtomicU32::new(0)) });
        let handle = env.start(Worker::new(env.config().template(env.template(TEMPLATE_SHAPED)), registry)).await;
        let task = env.run("shaped", json!({ "do": "begin" })).await;
        assert_eq!(task.status, "complete");
        let route = env.step(&task, "route").await;
        assert_eq!(route.results.as_ref().unwrap()["decision_point_outcome"], json!({ "type": "create_steps", "step_names": ["resume"] }));
        let resumed = env.step(&task, "resume").await;
        assert_eq!(resumed.attempts, 2);
        assert_eq!(resumed.results, Some(json!({ "resumed_at": 7 })));
        assert!(env.admin.step_by_name(&task.task_uuid, "not_taken").await.expect("steps").is_none());
        handle.stop().await;
    })
}

// ---- harness ------------------------------------------------------------------------------

const CASES: &[(&str, Case)] = &[
    ("client_idempotency_and_errors", client_idempotency_and_errors),
    ("chain_with_typed_inputs", chain_with_typed_inputs),
    ("typed_mismatch_names_the_field", typed_mismatch_names_the_field),
    ("retry_after_then_success_and_permanent_errors", retry_after_then_success_and_permanent_errors),
    ("deadline_aborts_a_handler_that_ignores_it", deadline_aborts_a_handler_that_ignores_it),
    ("cancel_reaches_the_handler_through_heartbeats", cancel_reaches_the_handler_through_heartbeats),
    ("stop_drains_running_steps_then_deregisters", stop_drains_running_steps_then_deregisters),
    ("panics_oversized_results_and_plain_errors", panics_oversized_results_and_plain_errors),
    ("unhandled_callables_wait_and_the_finished_hook", unhandled_callables_wait_and_the_finished_hook),
    ("decision_then_a_retry_resumes_from_its_checkpoint", decision_then_a_retry_resumes_from_its_checkpoint),
];

fn main() {
    // One line per panic (handlers panic on purpose here), not a backtrace.
    std::panic::set_hook(Box::new(|info| eprintln!("panic: {info}")));
    let filter: Vec<String> = std::env::args().skip(1).filter(|a| !a.starts_with('-')).collect();
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("runtime");
    let (passed, failed) = runtime.block_on(async {
        let db = TestDatabase::create("tasker_rust_sdk").await.expect("create the test database");
        let mut server = match TaskerServer::start(&db.url).await {
            Ok(server) => server,
            Err(e) => {
                db.drop().await;
                panic!("cannot start the orchestration server: {e}");
            }
        };
        let admin = TaskerClient::new(&server.url, Some(server.admin_key.clone())).unwrap();
        let selected: Vec<(usize, &(&str, Case))> =
            CASES.iter().enumerate().filter(|(_, (name, _))| filter.is_empty() || filter.iter().any(|f| name.contains(f.as_str()))).collect();
        println!("\nrunning {} tests", selected.len());
        let (mut passed, mut failed) = (0, 0);
        // One at a time (the machine may be small), each in a namespace of its own.
        for (index, (name, case)) in selected {
            let env = Arc::new(Env {
                url: server.url.clone(),
                worker_key: server.worker_key.clone(),
                admin: admin.clone(),
                ns: format!("rust_sdk_{index}"),
                workers: Mutex::default(),
            });
            for yaml in TEMPLATES {
                env.admin.register_template(&env.template(yaml)).await.expect("register a template");
            }
            let started = Instant::now();
            let mut running = tokio::spawn(case(env.clone()));
            let outcome = tokio::time::timeout(Duration::from_secs(90), &mut running).await;
            if outcome.is_err() {
                running.abort();
            }
            // Whatever the outcome, no worker of this case runs on into the next.
            env.stop_workers().await;
            match outcome {
                Ok(Ok(())) => {
                    passed += 1;
                    println!("test {name} ... ok ({} ms)", started.elapsed().as_millis());
                }
                Ok(Err(e)) => {
                    failed += 1;
                    println!("test {name} ... FAILED: {e}");
                }
                Err(_) => {
                    failed += 1;
                    println!("test {name} ... FAILED: timed out");
                }
            }
        }
        server.stop().await;
        db.drop().await;
        (passed, failed)
    });
    println!("\ntest result: {}. {passed} passed; {failed} failed; 0 ignored; 0 measured; 0 filtered out\n", if failed == 0 { "ok" } else { "FAILED" });
    if failed > 0 {
        std::process::exit(101);
    }
}
