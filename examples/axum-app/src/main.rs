//! `cargo run -p axum-app`: the app on port 3000, its worker for every namespace, and (unless
//! `ORCHESTRATION_URL` names one) the orchestration server on port 8080. See the README.
//!
//! `--namespaces sales,compliance` serves only those namespaces; `--worker-only` serves no HTTP
//! (a team's worker process).

use axum_app::{config, App, Config};

#[tokio::main]
async fn main() {
    let level = std::env::var("LOG_LEVEL").ok().and_then(|l| l.parse::<tracing::Level>().ok()).unwrap_or(tracing::Level::INFO);
    tracing_subscriber::fmt().with_max_level(level).with_target(false).init();
    let mut config = match Config::from_env() {
        Ok(config) => config,
        Err(e) => fail(&e),
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--namespaces" => match args.next().map(|raw| config::parse_namespaces(&raw)) {
                Some(Ok(namespaces)) => config.worker_namespaces = namespaces,
                Some(Err(e)) => fail(&e),
                None => fail("--namespaces needs a comma-separated list, e.g. sales,compliance"),
            },
            "--worker-only" => config.serve_http = false,
            "--help" | "-h" => {
                println!("usage: axum-app [--namespaces ecommerce,data_pipeline,...] [--worker-only]   (settings: README.md)");
                return;
            }
            other => fail(&format!("unknown argument {other:?}; see --help")),
        }
    }
    let app = match App::start(config.clone()).await {
        Ok(app) => app,
        Err(e) => fail(&e),
    };
    let url = app.url.clone().unwrap_or_else(|| "(no HTTP: --worker-only)".into());
    println!(
        "\naxum-app is running\n  app:            {url}   (GET /health, GET /products)\n  orchestration:  {}/v1/tasks\n  worker:         {} serving {}\n\nTry it:\n  curl -s -X POST {url}/orders -H 'content-type: application/json' \\\n    -d '{{\"customer_email\":\"ada@example.com\",\"items\":[{{\"sku\":\"WIDGET-001\",\"quantity\":2}}],\"payment_info\":{{\"method\":\"card\",\"token\":\"tok_visa\"}}}}'\n",
        app.orchestration_url,
        app.worker_id().unwrap_or_else(|| "no worker".into()),
        config.worker_namespaces.join(", "),
    );
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).expect("a SIGTERM handler");
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = term.recv() => {}
    }
    tracing::info!("shutting down");
    app.stop().await;
}

fn fail(message: &str) -> ! {
    eprintln!("axum-app failed to start: {message}");
    std::process::exit(1);
}
