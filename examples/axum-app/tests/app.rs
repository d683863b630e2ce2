//! The app through HTTP, against a real orchestration server (`tasker-ctl serve` on a fresh
//! PostgreSQL database) and its own fresh app database: every workflow to `complete` with its
//! domain effects, the failure paths, the async endpoint, namespace isolation and bad input.
//! Tasks are watched through the orchestration API (30 s timeout, 1 s interval).
//!
//! A harness of its own (`harness = false`): one server and two databases for every case,
//! stopped and dropped at the end; libtest's lines (`test <name> ... ok`, `test result: ...`).
//! The four workflows' groups run side by side; the cases inside a group one after another.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum_app::{App, Config};
use serde_json::{json, Value};
use sqlx::{PgPool, Row};
use tasker_worker::testing::{TaskerServer, TestDatabase};
use tasker_worker::{Step, Task, TaskerClient};

struct Env {
    url: String,
    admin: TaskerClient,
    db: PgPool,
    app: Option<Arc<App>>,
    http: reqwest::Client,
}

type CaseFn = fn(Arc<Env>) -> Pin<Box<dyn Future<Output = ()> + Send>>;

impl Env {
    async fn request(&self, method: &str, path: &str, body: Option<Value>) -> (u16, Value) {
        self.raw(method, path, body.map(|b| b.to_string())).await
    }

    async fn raw(&self, method: &str, path: &str, body: Option<String>) -> (u16, Value) {
        let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        let mut request = self.http.request(method, format!("{}{path}", self.url));
        if let Some(body) = body {
            request = request.header("content-type", "application/json").body(body);
        }
        let response = request.send().await.expect("the app answers");
        let status = response.status().as_u16();
        let text = response.text().await.unwrap();
        (status, serde_json::from_str(&text).unwrap_or(Value::String(text)))
    }

    async fn wait_task(&self, uuid: &str) -> Task {
        self.admin.wait_for_completion(uuid, Duration::from_secs(30), Duration::from_secs(1)).await.expect("the task ends within 30 s")
    }

    async fn step(&self, uuid: &str, name: &str) -> Step {
        self.admin.step_by_name(uuid, name).await.unwrap().unwrap_or_else(|| panic!("no step {name}"))
    }

    /// GETs `path` until the row's status is one of `statuses` (30 s).
    async fn wait_row(&self, path: &str, statuses: &[&str]) -> Value {
        let until = Instant::now() + Duration::from_secs(30);
        loop {
            let (status, row) = self.request("GET", path, None).await;
            assert_eq!(status, 200, "{row}");
            if statuses.contains(&row["status"].as_str().unwrap_or_default()) {
                return row;
            }
            assert!(Instant::now() < until, "{path} stayed {} (wanted {statuses:?})", row["status"]);
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
    }

    async fn stock(&self, sku: &str) -> i32 {
        sqlx::query_scalar("SELECT stock FROM app.products WHERE sku = $1").bind(sku).fetch_one(&self.db).await.unwrap()
    }

    async fn count(&self, sql: &str, id: i64) -> i64 {
        sqlx::query_scalar(sql).bind(id).fetch_one(&self.db).await.unwrap()
    }
}

fn order(token: &str) -> Value {
    json!({
        "customer_email": "ada@example.com",
        "items": [{ "sku": "WIDGET-001", "quantity": 2 }, { "sku": "GIZMO-003", "quantity": 1 }],
        "payment_info": { "method": "card", "token": token },
    })
}

const ORDER_STEPS: [&str; 5] = ["validate_inventory", "process_payment", "update_inventory", "send_confirmation", "generate_invoice"];

// ---- workflow 1: e-commerce -----------------------------------------------------------------

fn order_runs_all_five_steps_with_its_effects(env: Arc<Env>) -> Pin<Box<dyn Future<Output = ()> + Send>> {
    Box::pin(async move {
        let (widgets, gizmos) = (env.stock("WIDGET-001").await, env.stock("GIZMO-003").await);
        let (status, created) = env.request("POST", "/orders", Some(order("tok_visa"))).await;
        assert_eq!(status, 201, "{created}");
        assert_eq!(created["status"], "processing");
        // Columns in table order, timestamps as toISOString() writes them, 0 not 0.0.
        assert_eq!(created.as_object().unwrap().keys().take(3).collect::<Vec<_>>(), vec!["id", "customer_email", "items"]);
        assert!(created["created_at"].as_str().unwrap().ends_with('Z'), "{}", created["created_at"]);
        assert_eq!(created["shipping"], json!(0));
        assert_eq!((created["subtotal"].as_f64(), created["tax"].as_f64(), created["shipping"].as_f64(), created["total"].as_f64()), (Some(188.98), Some(16.54), Some(0.0), Some(205.52)));
        let uuid = created["task_uuid"].as_str().expect("task_uuid").to_owned();
        assert_eq!(uuid.len(), 36);
        let id = created["id"].as_i64().unwrap();

        let task = env.wait_task(&uuid).await;
        assert_eq!(task.status, "complete");
        assert_eq!(task.completion_percentage, 100.0);
        let steps = env.admin.list_steps(&uuid).await.unwrap();
        let mut names: Vec<&str> = steps.iter().map(|s| s.name.as_str()).collect();
        names.sort_unstable();
        let mut expected = ORDER_STEPS.to_vec();
        expected.sort_unstable();
        assert_eq!(names, expected);
        assert!(steps.iter().all(|s| s.current_state == "complete" && s.attempts == 1));
        let validate = env.step(&uuid, "validate_inventory").await.results.unwrap();
        assert_eq!((validate["subtotal"].as_f64(), validate["total"].as_f64()), (Some(188.98), Some(205.52)));
        let payment = env.step(&uuid, "process_payment").await.results.unwrap();
        assert_eq!((payment["amount_charged"].as_f64(), payment["currency"].as_str()), (Some(205.52), Some("USD")));
        assert!(payment["payment_id"].as_str().unwrap().starts_with("pay_"));
        let confirmation = env.step(&uuid, "send_confirmation").await.results.unwrap();
        assert_eq!(confirmation["subject"], json!(format!("Order #{id} confirmed")));
        assert_eq!(confirmation["recipient"], "ada@example.com");
        let invoice = env.step(&uuid, "generate_invoice").await.results.unwrap();
        assert_eq!(invoice["invoice_number"], json!(format!("INV-{id:06}")));
        assert_eq!(invoice["total"].as_f64(), Some(205.52));

        let row = env.wait_row(&format!("/orders/{id}"), &["completed"]).await;
        assert_eq!(row["error"], Value::Null);
        assert_eq!(row["task"]["status"], "complete");
        assert_eq!(row["task"]["completed_steps"], 5);
        assert_eq!(row["task"]["steps"].as_array().unwrap().len(), 5);

        // Domain effects, each exactly once.
        assert_eq!(env.stock("WIDGET-001").await, widgets - 2);
        assert_eq!(env.stock("GIZMO-003").await, gizmos - 1);
        let payment_row = sqlx::query("SELECT amount::float8 AS amount, status FROM app.payments WHERE order_id = $1").bind(id as i32).fetch_all(&env.db).await.unwrap();
        assert_eq!(payment_row.len(), 1);
        assert_eq!((payment_row[0].get::<f64, _>("amount"), payment_row[0].get::<String, _>("status")), (205.52, "captured".to_owned()));
        assert_eq!(env.count("SELECT count(*) FROM app.stock_movements WHERE order_id = $1::int", id).await, 2);
        assert_eq!(env.count("SELECT count(*) FROM app.invoices WHERE order_id = $1::int AND total = 205.52", id).await, 1);
        if let Some(app) = &env.app {
            app.state().jobs.drain().await;
        }
        let mail: (String, Value) = sqlx::query_as("SELECT status, recipients FROM app.email_outbox WHERE dedupe_key = $1")
            .bind(format!("order:{id}:confirmation"))
            .fetch_one(&env.db)
            .await
            .unwrap();
        assert_eq!(mail, ("sent".to_owned(), json!(["ada@example.com"])));
    })
}

fn declined_card_fails_the_order_and_charges_nothing(env: Arc<Env>) -> Pin<Box<dyn Future<Output = ()> + Send>> {
    Box::pin(async move {
        let (status, created) = env.request("POST", "/orders", Some(order("tok_declined"))).await;
        assert_eq!(status, 201);
        let uuid = created["task_uuid"].as_str().unwrap();
        assert_eq!(env.wait_task(uuid).await.status, "error");
        let payment = env.step(uuid, "process_payment").await;
        assert_eq!((payment.current_state.as_str(), payment.attempts), ("error", 1));
        let error = payment.error.unwrap();
        assert_eq!((error.code.as_deref(), error.retryable), (Some("card_declined"), false));
        assert_eq!(env.step(uuid, "update_inventory").await.current_state, "pending");
        let row = env.wait_row(&format!("/orders/{}", created["id"]), &["failed"]).await;
        assert!(row["error"].as_str().unwrap().contains("card_declined"), "{}", row["error"]);
        assert_eq!(row["task"]["status"], "error");
        assert_eq!(env.count("SELECT count(*) FROM app.payments WHERE order_id = $1::int", created["id"].as_i64().unwrap()).await, 0);
    })
}

fn flaky_token_completes_on_attempt_two(env: Arc<Env>) -> Pin<Box<dyn Future<Output = ()> + Send>> {
    Box::pin(async move {
        let (_, created) = env.request("POST", "/orders", Some(order("tok_flaky"))).await;
        let uuid = created["task_uuid"].as_str().unwrap();
        assert_eq!(env.wait_task(uuid).await.status, "complete");
        let payment = env.step(uuid, "process_payment").await;
        assert_eq!((payment.current_state.as_str(), payment.attempts), ("complete", 2));
        assert_eq!(env.count("SELECT count(*) FROM app.payments WHERE order_id = $1::int", created["id"].as_i64().unwrap()).await, 1);
        env.wait_row(&format!("/orders/{}", created["id"]), &["completed"]).await;
    })
}

fn refusals_name_their_cause(env: Arc<Env>) -> Pin<Box<dyn Future<Output = ()> + Send>> {
    Box::pin(async move {
        let with_items = |items: Value| {
            let mut body = order("tok_visa");
            body["items"] = items;
            body
        };
        let (_, big) = env.request("POST", "/orders", Some(with_items(json!([{ "sku": "GIZMO-003", "quantity": 80 }])))).await;
        let (_, unknown) = env.request("POST", "/orders", Some(with_items(json!([{ "sku": "NOPE-999", "quantity": 1 }])))).await;
        let (_, scarce) = env.request("POST", "/orders", Some(with_items(json!([{ "sku": "SCARCE-004", "quantity": 4 }])))).await;
        assert_eq!(unknown["total"], Value::Null);
        let big_uuid = big["task_uuid"].as_str().unwrap();
        assert_eq!(env.wait_task(big_uuid).await.status, "error");
        assert_eq!(env.step(big_uuid, "process_payment").await.error.unwrap().code.as_deref(), Some("amount_limit_exceeded"));
        for (created, code, sku) in [(&unknown, "unknown_sku", "NOPE-999"), (&scarce, "insufficient_stock", "SCARCE-004")] {
            let uuid = created["task_uuid"].as_str().unwrap();
            assert_eq!(env.wait_task(uuid).await.status, "error");
            let error = env.step(uuid, "validate_inventory").await.error.unwrap();
            assert_eq!(error.code.as_deref(), Some(code));
            assert!(error.message.contains(sku));
            let row = env.wait_row(&format!("/orders/{}", created["id"]), &["failed"]).await;
            assert!(row["error"].as_str().unwrap().contains(sku));
        }
        assert_eq!(env.stock("SCARCE-004").await, 3);
    })
}

fn async_order_is_accepted_then_completes(env: Arc<Env>) -> Pin<Box<dyn Future<Output = ()> + Send>> {
    Box::pin(async move {
        let mut body = order("tok_visa");
        body["customer_email"] = json!("grace@example.com");
        let (status, accepted) = env.request("POST", "/orders/async", Some(body)).await;
        assert_eq!(status, 202);
        let id = accepted["id"].as_i64().expect("id");
        assert_eq!(accepted, json!({ "id": id, "status": "queued" }));
        let row = env.wait_row(&format!("/orders/{id}"), &["completed", "failed"]).await;
        assert_eq!(row["status"], "completed", "{row}");
        let task = env.wait_task(row["task_uuid"].as_str().unwrap()).await;
        assert_eq!(task.status, "complete");
        assert_eq!((task.context["order_id"].as_i64(), task.context["customer_email"].as_str()), (Some(id), Some("grace@example.com")));
    })
}

fn bad_orders_and_ids_are_400_and_unknown_ones_404(env: Arc<Env>) -> Pin<Box<dyn Future<Output = ()> + Send>> {
    Box::pin(async move {
        let bad = json!({ "customer_email": "not-an-email", "items": [{ "sku": "WIDGET-001", "quantity": 0 }], "payment_info": { "method": "cash", "token": "" } });
        let (status, body) = env.request("POST", "/orders", Some(bad)).await;
        assert_eq!(status, 400);
        assert_eq!(body["error"], "invalid request body");
        let mut paths: Vec<&str> = body["issues"].as_array().unwrap().iter().map(|i| i["path"].as_str().unwrap()).collect();
        paths.sort_unstable();
        assert_eq!(paths, vec!["customer_email", "items.0.quantity", "payment_info.method", "payment_info.token"]);
        let mut priced = order("tok_visa");
        priced["total"] = json!(1);
        let (status, body) = env.request("POST", "/orders", Some(priced)).await;
        assert_eq!(status, 400);
        assert!(body["issues"].to_string().contains("total"));
        let mut twice = order("tok_visa");
        twice["items"] = json!([{ "sku": "WIDGET-001", "quantity": 1 }, { "sku": "WIDGET-001", "quantity": 2 }]);
        let (status, body) = env.request("POST", "/orders/async", Some(twice)).await;
        assert_eq!(status, 400);
        assert_eq!(body["issues"][0]["path"], "items.1.sku");
        let (status, body) = env.raw("POST", "/orders", Some("{not json".into())).await;
        assert_eq!(status, 400);
        assert!(body["error"].as_str().unwrap().to_lowercase().contains("json"));
        let (status, body) = env.request("GET", "/orders/abc", None).await;
        assert_eq!(status, 400);
        assert!(body["error"].as_str().unwrap().contains("malformed order id"));
        let (status, body) = env.request("GET", "/orders/999999", None).await;
        assert_eq!((status, body), (404, json!({ "error": "order 999999 not found" })));
    })
}

// ---- workflow 2: data pipeline --------------------------------------------------------------

fn analytics_job_fans_out_and_in_with_a_report(env: Arc<Env>) -> Pin<Box<dyn Future<Output = ()> + Send>> {
    Box::pin(async move {
        let (status, created) = env.request("POST", "/analytics/jobs", Some(json!({ "source": "q1-sales" }))).await;
        assert_eq!(status, 201, "{created}");
        let id = created["id"].as_i64().unwrap();
        let uuid = created["task_uuid"].as_str().unwrap();
        let task = env.wait_task(uuid).await;
        assert_eq!(task.status, "complete", "{:?}", task.error);
        let steps = env.admin.list_steps(uuid).await.unwrap();
        assert_eq!(steps.len(), 8);
        assert!(steps.iter().all(|s| s.current_state == "complete"));
        // The three analyses ran in parallel: their executions overlap in time.
        let mut windows = Vec::new();
        for name in ["validate_schema", "enrich_metadata", "detect_anomalies"] {
            let r = env.step(uuid, name).await.results.unwrap();
            windows.push((r["started_at"].as_str().unwrap().to_owned(), r["finished_at"].as_str().unwrap().to_owned()));
        }
        let latest_start = windows.iter().map(|w| w.0.clone()).max().unwrap();
        let earliest_end = windows.iter().map(|w| w.1.clone()).min().unwrap();
        assert!(latest_start < earliest_end, "the analyses did not overlap: {windows:?}");
        let ingest = env.step(uuid, "ingest_data").await.results.unwrap();
        assert_eq!(ingest["row_count"], 1000);
        assert_eq!(ingest["columns"], json!(["date", "region", "product", "quantity", "amount"]));
        let aggregate = env.step(uuid, "aggregate_results").await.results.unwrap();
        assert!(aggregate["totals"]["rows"].as_u64().unwrap() > 900);
        assert_eq!(aggregate["by_region"].as_object().unwrap().len(), 4);

        let row = env.wait_row(&format!("/analytics/jobs/{id}"), &["completed"]).await;
        let markdown = row["result"]["markdown"].as_str().unwrap();
        assert!(markdown.starts_with(&format!("# Sales analytics: q1-sales (job #{id})")), "{markdown}");
        assert_eq!(row["result"]["report"]["dataset"]["rows"], 1000);
        assert_eq!(env.count("SELECT count(*) FROM app.report_archive WHERE job_id = $1::int", id).await, 1);
        assert_eq!(env.count("SELECT count(*) FROM app.analytics_reports WHERE job_id = $1::int", id).await, 1);
        assert_eq!(env.count("SELECT count(*) FROM app.email_outbox WHERE dedupe_key = 'analytics:' || $1::int || ':report'", id).await, 1);
    })
}

fn analytics_reads_a_csv_file_and_refuses_bad_sources(env: Arc<Env>) -> Pin<Box<dyn Future<Output = ()> + Send>> {
    Box::pin(async move {
        let csv = format!("file://{}/datasets/sample-sales.csv", env!("CARGO_MANIFEST_DIR"));
        let (status, created) = env.request("POST", "/analytics/jobs", Some(json!({ "source": "sample", "dataset_url": csv }))).await;
        assert_eq!(status, 201, "{created}");
        let uuid = created["task_uuid"].as_str().unwrap();
        assert_eq!(env.wait_task(uuid).await.status, "complete");
        assert_eq!(env.step(uuid, "ingest_data").await.results.unwrap()["origin"], json!(csv));

        let missing = format!("file://{}/datasets/missing.csv", env!("CARGO_MANIFEST_DIR"));
        let (_, created) = env.request("POST", "/analytics/jobs", Some(json!({ "source": "gone", "dataset_url": missing }))).await;
        let uuid = created["task_uuid"].as_str().unwrap();
        assert_eq!(env.wait_task(uuid).await.status, "error");
        let ingest = env.step(uuid, "ingest_data").await;
        assert_eq!((ingest.error.unwrap().code.as_deref(), ingest.attempts), (Some("dataset_unreadable"), 1));
        env.wait_row(&format!("/analytics/jobs/{}", created["id"]), &["failed"]).await;

        let (status, body) = env.request("POST", "/analytics/jobs", Some(json!({ "source": "x", "dataset_url": "file:///etc/passwd" }))).await;
        assert_eq!((status, body["issues"][0]["path"].as_str()), (400, Some("dataset_url")));
        let (status, _) = env.request("POST", "/analytics/jobs", Some(json!({ "source": "" }))).await;
        assert_eq!(status, 400);
        let (status, _) = env.request("GET", "/analytics/jobs/0", None).await;
        assert_eq!(status, 400);
        let (status, _) = env.request("GET", "/analytics/jobs/424242", None).await;
        assert_eq!(status, 404);
    })
}

// ---- workflow 3: microservices --------------------------------------------------------------

fn service_request_calls_both_services(env: Arc<Env>) -> Pin<Box<dyn Future<Output = ()> + Send>> {
    Box::pin(async move {
        let (status, created) = env.request("POST", "/services/requests", Some(json!({ "user_id": "cust-001", "request_type": "full_report" }))).await;
        assert_eq!(status, 201, "{created}");
        let uuid = created["task_uuid"].as_str().unwrap();
        assert_eq!(env.wait_task(uuid).await.status, "complete");
        assert_eq!(env.step(uuid, "fetch_user_profile").await.attempts, 1);
        let row = env.wait_row(&format!("/services/requests/{}", created["id"]), &["completed"]).await;
        let result = &row["result"];
        assert_eq!(result["request_type"], "full_report");
        assert_eq!(result["profile"]["email"], "ada@example.com");
        assert!(result["order_stats"]["order_count"].as_u64().unwrap() >= 2);
        assert!(result["customer_segment"].is_string());

        let (_, flaky) = env.request("POST", "/services/requests", Some(json!({ "user_id": "cust-004-flaky", "request_type": "profile_summary" }))).await;
        let uuid = flaky["task_uuid"].as_str().unwrap();
        assert_eq!(env.wait_task(uuid).await.status, "complete");
        assert_eq!(env.step(uuid, "fetch_user_profile").await.attempts, 2, "the profile service answers 503 once");
        let row = env.wait_row(&format!("/services/requests/{}", flaky["id"]), &["completed"]).await;
        assert_eq!(row["result"]["email"], "barbara@example.com");

        let (_, unknown) = env.request("POST", "/services/requests", Some(json!({ "user_id": "cust-999", "request_type": "order_summary" }))).await;
        let uuid = unknown["task_uuid"].as_str().unwrap();
        assert_eq!(env.wait_task(uuid).await.status, "error");
        let error = env.step(uuid, "fetch_user_profile").await.error.unwrap();
        assert_eq!((error.code.as_deref(), error.retryable), (Some("downstream_not_found"), false));
        env.wait_row(&format!("/services/requests/{}", unknown["id"]), &["failed"]).await;
    })
}

fn bad_service_requests_are_400(env: Arc<Env>) -> Pin<Box<dyn Future<Output = ()> + Send>> {
    Box::pin(async move {
        let (status, body) = env.request("POST", "/services/requests", Some(json!({ "user_id": "cust 1", "request_type": "everything" }))).await;
        assert_eq!(status, 400);
        let paths: Vec<&str> = body["issues"].as_array().unwrap().iter().map(|i| i["path"].as_str().unwrap()).collect();
        assert_eq!(paths, vec!["user_id", "request_type"]);
        assert_eq!(env.request("GET", "/services/requests/x1", None).await.0, 400);
        assert_eq!(env.request("GET", "/services/requests/999999", None).await.0, 404);
        let (status, body) = env.request("GET", "/internal/users/cust-002", None).await;
        assert_eq!((status, body["tier"].as_str()), (200, Some("standard")));
    })
}

// ---- workflow 4: team scaling ---------------------------------------------------------------

fn compliance_check_runs_both_teams(env: Arc<Env>) -> Pin<Box<dyn Future<Output = ()> + Send>> {
    Box::pin(async move {
        let body = json!({
            "order_ref": "PO-1001", "items": [{ "sku": "WIDGET-001", "quantity": 12 }],
            "destination": { "country": "DE", "region": "BE" }, "coupon_code": "save10", "customer_id": "cust-001",
        });
        let (status, created) = env.request("POST", "/compliance/checks", Some(body)).await;
        assert_eq!(status, 201, "{created}");
        let id = created["id"].as_i64().unwrap();
        let sales = created["task_uuids"]["sales"].as_str().expect("the sales task").to_owned();
        let compliance = created["task_uuids"]["compliance"].as_str().expect("the compliance task").to_owned();
        assert_eq!(created["task_uuid"], json!(compliance));
        let (a, b) = (env.wait_task(&sales).await, env.wait_task(&compliance).await);
        assert_eq!((a.status.as_str(), b.status.as_str()), ("complete", "complete"));
        assert_eq!(a.correlation_id, b.correlation_id);
        assert_eq!((a.namespace.as_str(), b.namespace.as_str()), ("sales_rs", "compliance_rs"));
        let discounts = env.step(&sales, "apply_discounts").await.results.unwrap();
        assert_eq!(discounts["discount_percent"].as_f64(), Some(20.0), "volume 5 + SAVE10 10 + gold 5: {discounts}");
        let row = env.wait_row(&format!("/compliance/checks/{id}"), &["completed"]).await;
        assert_eq!(row["result"]["quote"]["quote_number"], json!(format!("QT-{id:06}")));
        assert_eq!(row["result"]["compliance"]["decision"], "approved");
        assert_eq!(row["result"]["compliance"]["tax"]["rate_percent"].as_f64(), Some(19.0));
        assert_eq!(row["tasks"]["sales"]["status"], "complete");
        assert_eq!(row["tasks"]["compliance"]["status"], "complete");
        assert_eq!(env.count("SELECT count(*) FROM app.quotes WHERE compliance_check_id = $1::int", id).await, 1);
        assert_eq!(env.count("SELECT count(*) FROM app.audit_logs WHERE dedupe_key = 'compliance_check:' || $1::int || ':review'", id).await, 1);
    })
}

fn embargoed_destination_fails_the_check(env: Arc<Env>) -> Pin<Box<dyn Future<Output = ()> + Send>> {
    Box::pin(async move {
        let body = json!({ "order_ref": "PO-KP", "items": [{ "sku": "RESTRICTED-005", "quantity": 1 }], "destination": { "country": "KP" } });
        let (status, created) = env.request("POST", "/compliance/checks", Some(body)).await;
        assert_eq!(status, 201);
        let compliance = created["task_uuids"]["compliance"].as_str().unwrap().to_owned();
        assert_eq!(env.wait_task(&compliance).await.status, "error");
        let error = env.step(&compliance, "check_compliance").await.error.unwrap();
        assert_eq!((error.code.as_deref(), error.retryable), (Some("compliance_violation"), false));
        assert!(error.message.contains("KP") && error.message.contains("RESTRICTED-005"), "{}", error.message);
        let row = env.wait_row(&format!("/compliance/checks/{}", created["id"]), &["failed"]).await;
        assert!(row["error"].as_str().unwrap().contains("compliance task failed"), "{}", row["error"]);
        let (status, body) = env.request("POST", "/compliance/checks", Some(json!({ "order_ref": "", "items": [], "destination": { "country": "Germany" } }))).await;
        assert_eq!(status, 400);
        let paths: Vec<&str> = body["issues"].as_array().unwrap().iter().map(|i| i["path"].as_str().unwrap()).collect();
        assert!(paths.contains(&"order_ref") && paths.contains(&"items") && paths.contains(&"destination.country"), "{paths:?}");
        assert_eq!(env.request("GET", "/compliance/checks/-3", None).await.0, 400);
        assert_eq!(env.request("GET", "/compliance/checks/777777", None).await.0, 404);
    })
}

fn health_catalog_and_unknown_routes(env: Arc<Env>) -> Pin<Box<dyn Future<Output = ()> + Send>> {
    Box::pin(async move {
        let (status, health) = env.request("GET", "/health", None).await;
        assert_eq!((status, health["status"].as_str()), (200, Some("ok")), "{health}");
        let (status, catalog) = env.request("GET", "/products", None).await;
        assert_eq!(status, 200);
        let products = catalog["products"].as_array().unwrap();
        assert_eq!(products.len(), 5);
        assert_eq!(products[4]["sku"], "WIDGET-001");
        assert_eq!(products[4]["price"].as_f64(), Some(29.99));
        assert_eq!(products.iter().find(|p| p["sku"] == "RESTRICTED-005").unwrap()["restricted"], true);
        let (status, body) = env.request("GET", "/nope", None).await;
        assert_eq!(status, 404);
        assert!(body["error"].as_str().unwrap().contains("no route"));
    })
}

// ---- namespace isolation --------------------------------------------------------------------

/// Team B's process (HTTP + compliance only) runs while Team A's worker is stopped: the
/// compliance task completes, the sales task waits untouched; when Team A's worker process
/// starts, the sales task completes and the check follows.
async fn namespace_isolation(server_url: &str, key: &str, app_db: &str) {
    let mut team_b = Config::for_tests(app_db, server_url, key);
    team_b.worker_namespaces = vec!["compliance_rs".into()];
    let app = App::start(team_b).await.expect("team B's process starts");
    let env = Env {
        url: app.url.clone().unwrap(),
        admin: TaskerClient::new(server_url, Some(key.into())).unwrap(),
        db: app.state().db.clone(),
        app: None,
        http: reqwest::Client::new(),
    };
    let body = json!({ "order_ref": "PO-ISO", "items": [{ "sku": "GADGET-002", "quantity": 1 }], "destination": { "country": "US", "region": "CA" } });
    let (status, created) = env.request("POST", "/compliance/checks", Some(body)).await;
    assert_eq!(status, 201, "{created}");
    let sales = created["task_uuids"]["sales"].as_str().unwrap().to_owned();
    let compliance = created["task_uuids"]["compliance"].as_str().unwrap().to_owned();
    assert_eq!(env.wait_task(&compliance).await.status, "complete");
    let waiting = env.admin.get_task(&sales).await.unwrap();
    assert!(!waiting.is_terminal(), "the sales task ran without a sales worker: {}", waiting.status);
    assert_eq!(env.step(&sales, "receive_order").await.attempts, 0);
    assert_eq!(env.request("GET", &format!("/compliance/checks/{}", created["id"]), None).await.1["status"], "processing");

    let mut team_a = Config::for_tests(app_db, server_url, key);
    team_a.worker_namespaces = vec!["sales_rs".into()];
    team_a.serve_http = false;
    let worker_a = App::start(team_a).await.expect("team A's worker starts");
    assert_eq!(env.wait_task(&sales).await.status, "complete");
    let row = env.wait_row(&format!("/compliance/checks/{}", created["id"]), &["completed"]).await;
    assert_eq!(row["result"]["compliance"]["tax"]["jurisdiction"], "US-CA");
    worker_a.stop().await;
    app.stop().await;
}

// ---- harness ------------------------------------------------------------------------------

const GROUPS: &[&[(&str, CaseFn)]] = &[
    &[
        ("order_runs_all_five_steps_with_its_effects", order_runs_all_five_steps_with_its_effects),
        ("declined_card_fails_the_order_and_charges_nothing", declined_card_fails_the_order_and_charges_nothing),
        ("flaky_token_completes_on_attempt_two", flaky_token_completes_on_attempt_two),
        ("refusals_name_their_cause", refusals_name_their_cause),
        ("async_order_is_accepted_then_completes", async_order_is_accepted_then_completes),
        ("bad_orders_and_ids_are_400_and_unknown_ones_404", bad_orders_and_ids_are_400_and_unknown_ones_404),
    ],
    &[
        ("analytics_job_fans_out_and_in_with_a_report", analytics_job_fans_out_and_in_with_a_report),
        ("analytics_reads_a_csv_file_and_refuses_bad_sources", analytics_reads_a_csv_file_and_refuses_bad_sources),
    ],
    &[("service_request_calls_both_services", service_request_calls_both_services), ("bad_service_requests_are_400", bad_service_requests_are_400)],
    &[
        ("compliance_check_runs_both_teams", compliance_check_runs_both_teams),
        ("embargoed_destination_fails_the_check", embargoed_destination_fails_the_check),
        ("health_catalog_and_unknown_routes", health_catalog_and_unknown_routes),
    ],
];

async fn run_case(name: &str, fut: Pin<Box<dyn Future<Output = ()> + Send>>) -> bool {
    let started = Instant::now();
    match tokio::time::timeout(Duration::from_secs(120), tokio::spawn(fut)).await {
        Ok(Ok(())) => {
            println!("test {name} ... ok ({} ms)", started.elapsed().as_millis());
            true
        }
        Ok(Err(e)) => {
            println!("test {name} ... FAILED: {e}");
            false
        }
        Err(_) => {
            println!("test {name} ... FAILED: timed out");
            false
        }
    }
}

fn main() {
    std::panic::set_hook(Box::new(|info| eprintln!("panic: {info}")));
    let filter: Vec<String> = std::env::args().skip(1).filter(|a| !a.starts_with('-')).collect();
    let wanted = |name: &str| filter.is_empty() || filter.iter().any(|f| name.contains(f.as_str()));
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    let (passed, failed) = runtime.block_on(async {
        let engine_db = TestDatabase::create("tasker_axum_engine").await.expect("the engine's test database");
        let app_db = TestDatabase::create("example_axum_test").await.expect("the app's test database");
        let mut server = match TaskerServer::start(&engine_db.url).await {
            Ok(server) => server,
            Err(e) => {
                engine_db.drop().await;
                app_db.drop().await;
                panic!("cannot start the orchestration server: {e}");
            }
        };
        let key = server.worker_key.clone();
        let mut results: Vec<bool> = Vec::new();
        let count: usize = GROUPS.iter().flat_map(|g| g.iter()).filter(|(n, _)| wanted(n)).count() + usize::from(wanted("namespace_isolation"));
        println!("\nrunning {count} tests");
        match App::start(Config::for_tests(&app_db.url, &server.url, &key)).await {
            Err(e) => {
                println!("test app_starts ... FAILED: {e}");
                results.push(false);
            }
            Ok(app) => {
                let app = Arc::new(app);
                let env = Arc::new(Env {
                    url: app.url.clone().unwrap(),
                    admin: TaskerClient::new(&server.url, Some(server.admin_key.clone())).unwrap(),
                    db: app.state().db.clone(),
                    app: Some(app.clone()),
                    http: reqwest::Client::new(),
                });
                let groups = GROUPS.iter().map(|group| {
                    let env = env.clone();
                    let cases: Vec<(&'static str, CaseFn)> = group.iter().filter(|(n, _)| wanted(n)).copied().collect();
                    tokio::spawn(async move {
                        let mut outcomes = Vec::new();
                        for (name, case) in cases {
                            outcomes.push(run_case(name, case(env.clone())).await);
                        }
                        outcomes
                    })
                });
                for group in groups.collect::<Vec<_>>() {
                    results.extend(group.await.unwrap_or_else(|_| vec![false]));
                }
                drop(env);
                if let Ok(app) = Arc::try_unwrap(app) {
                    app.stop().await;
                }
            }
        }
        if wanted("namespace_isolation") {
            let (url, db_url) = (server.url.clone(), app_db.url.clone());
            let case = Box::pin(async move { namespace_isolation(&url, &key, &db_url).await });
            results.push(run_case("namespace_isolation", case).await);
        }
        server.stop().await;
        engine_db.drop().await;
        app_db.drop().await;
        (results.iter().filter(|ok| **ok).count(), results.iter().filter(|ok| !**ok).count())
    });
    println!("\ntest result: {}. {passed} passed; {failed} failed; 0 ignored; 0 measured; 0 filtered out\n", if failed == 0 { "ok" } else { "FAILED" });
    if failed > 0 {
        std::process::exit(101);
    }
}
