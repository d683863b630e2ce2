#!/usr/bin/env node
// Runs the test suites in order and prints "N passed, N failed" as the last line.
//   node scripts/run-tests.mjs              lint, type-check, vitest (unit + integration)
//   node scripts/run-tests.mjs <suite>...   only the named suites (see SUITES), e.g. reliability
// Each suite writes .test-results/<suite>.json ({passed, failed, seconds});
// scripts/summarize-results.mjs sums them for CI. Suites that need PostgreSQL or RabbitMQ check
// first that it answers, and say how to start it (scripts/services.sh) when it does not.
import { spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { join } from "node:path";

const RESULTS = ".test-results";

/** A check that either passes or fails as a whole counts as one test. */
function check(command, args, env = {}) {
  const r = spawnSync(command, args, { stdio: "inherit", env: { ...process.env, ...env } });
  return r.status === 0 ? { passed: 1, failed: 0 } : { passed: 0, failed: 1 };
}

/** Vitest with its JSON reporter, so counts come from the runner, not from parsing text. */
function vitest(name, args, env = {}) {
  const out = join(RESULTS, `${name}.vitest.json`);
  rmSync(out, { force: true });
  const r = spawnSync(
    "npx",
    ["vitest", "run", ...args, "--reporter=default", "--reporter=json", `--outputFile.json=${out}`],
    { stdio: "inherit", env: { ...process.env, ...env } },
  );
  try {
    const report = JSON.parse(readFileSync(out, "utf8"));
    // A suite that failed to load has no tests in it but must still count as a failure.
    const loadFailures = report.testResults.filter(
      (f) => f.status === "failed" && f.assertionResults.length === 0,
    ).length;
    return { passed: report.numPassedTests, failed: report.numFailedTests + loadFailures };
  } catch {
    return { passed: 0, failed: r.status === 0 ? 0 : 1 };
  }
}

/** The worker protocol's conformance suite against one SDK's worker (see conformance/README.md). */
function conformance(sdk, workerCommand) {
  const out = join(RESULTS, `conformance-${sdk}.run.json`);
  rmSync(out, { force: true });
  const r = spawnSync(
    "npx",
    [
      "tsx",
      "conformance/run.ts",
      "--name",
      sdk,
      "--worker",
      workerCommand,
      "--results",
      out,
      "--backend",
      onPostgres() ? "postgres" : "pglite",
    ],
    { stdio: "inherit" },
  );
  try {
    return JSON.parse(readFileSync(out, "utf8"));
  } catch {
    return { passed: 0, failed: r.status === 0 ? 0 : 1 };
  }
}

/**
 * A Rust suite through sdks/rust/ci.sh (clippy and rustdoc, or the workspace's cargo tests
 * counted per crate, or the conformance runner with the Rust worker); it writes
 * .test-results/<name>.json.
 */
function rust(name) {
  const out = join(RESULTS, `${name}.json`);
  rmSync(out, { force: true });
  const r = spawnSync("bash", ["sdks/rust/ci.sh", name], { stdio: "inherit" });
  try {
    const { passed, failed } = JSON.parse(readFileSync(out, "utf8"));
    return { passed, failed };
  } catch {
    return { passed: 0, failed: r.status === 0 ? 0 : 1 };
  }
}

/**
 * A Python suite through sdks/python/ci.sh (its virtualenv in .venv-ci/, then ruff, mypy and
 * pytest, or the conformance runner with the Python worker); it writes .test-results/<name>.json.
 */
function python(name) {
  const out = join(RESULTS, `${name}.json`);
  rmSync(out, { force: true });
  const r = spawnSync("bash", ["sdks/python/ci.sh", name], { stdio: "inherit" });
  try {
    const { passed, failed } = JSON.parse(readFileSync(out, "utf8"));
    return { passed, failed };
  } catch {
    return { passed: 0, failed: r.status === 0 ? 0 : 1 };
  }
}

/**
 * A Ruby suite through sdks/ruby/ci.sh (rubocop, the gem's or the Rails app's RSpec examples
 * counted from RSpec's JSON formatter, or the conformance runner with the Ruby worker); it writes
 * .test-results/<name>.json.
 */
function ruby(name) {
  const out = join(RESULTS, `${name}.json`);
  rmSync(out, { force: true });
  const r = spawnSync("bash", ["sdks/ruby/ci.sh", name], { stdio: "inherit" });
  try {
    const { passed, failed } = JSON.parse(readFileSync(out, "utf8"));
    return { passed, failed };
  } catch {
    return { passed: 0, failed: r.status === 0 ? 0 : 1 };
  }
}

const SUITES = {
  lint: () => check("npx", ["biome", "check", "."]),
  typecheck: () => check("npm", ["run", "--silent", "typecheck"]),
  // Everything but the reliability suite, which has its own entry (it takes minutes).
  vitest: () => vitest("vitest", ["--project", "!tasker:reliability"]),
  reliability: () => vitest("reliability", ["--project", "tasker:reliability"]),
  // The worker protocol's scenarios, driven through each SDK's worker against a real server.
  conformance: () => conformance("typescript", "npx tsx conformance/workers/typescript.ts"),
  // The Python SDK (sdks/python), the FastAPI example app, and the conformance suite with the
  // Python worker; each with its lint and type check (see sdks/python/ci.sh).
  "python-sdk": () => python("python-sdk"),
  "fastapi-app": () => python("fastapi-app"),
  "conformance-python": () => python("conformance-python"),
  // The Rust SDK (sdks/rust) and the Axum example app, one cargo workspace: clippy + rustdoc,
  // their tests (one `cargo test --workspace`, counted per crate), and the conformance suite
  // with the Rust worker (see sdks/rust/ci.sh). `rust` runs all four.
  "rust-lint": () => rust("rust-lint"),
  "rust-sdk": () => rust("rust-sdk"),
  "axum-app": () => rust("axum-app"),
  "conformance-rust": () => rust("conformance-rust"),
  // The Ruby gem (sdks/ruby) and the Rails example app, on Debian's Ruby and Rails
  // (scripts/services.sh ruby): rubocop, their RSpec suites against a real tasker-ctl serve, and
  // the conformance suite with the Ruby worker (see sdks/ruby/ci.sh). `ruby` runs all four.
  "ruby-lint": () => ruby("ruby-lint"),
  "ruby-sdk": () => ruby("ruby-sdk"),
  "rails-app": () => ruby("rails-app"),
  "conformance-ruby": () => ruby("conformance-ruby"),
  // The integration suites again with RabbitMQ as the signal transport (on PostgreSQL).
  rabbitmq: () =>
    // Only suites that move tasks through queues; CLI/UI suites check their own env handling.
    vitest(
      "rabbitmq",
      [
        "--project",
        "tasker:integration",
        "--project",
        "hono-app:integration",
        "packages/tasker/test/engine",
        "packages/tasker/test/api",
        "examples/hono-app/test",
      ],
      {
        TASKER_MESSAGING_BACKEND: "rabbitmq",
        TASKER_TEST_BACKENDS: "postgres",
        RABBITMQ_QUEUE_EXPIRES_MS: "3600000",
      },
    ),
};

/** Whether the suites run on PostgreSQL too (TASKER_TEST_BACKENDS, default pglite,postgres). */
function onPostgres() {
  return (process.env.TASKER_TEST_BACKENDS ?? "pglite,postgres").includes("postgres");
}

/** What each suite needs running, beyond Node.js. */
function servicesFor(name) {
  const postgres = onPostgres();
  if (name === "vitest") return postgres ? ["postgres"] : [];
  if (name === "conformance") return postgres ? ["postgres"] : [];
  // The Python suites run tasker-ctl serve on PostgreSQL and give their apps their own databases.
  if (["python-sdk", "fastapi-app", "conformance-python"].includes(name)) return ["postgres"];
  if (["rust-sdk", "axum-app", "conformance-rust"].includes(name)) return ["postgres"];
  // The Ruby specs run tasker-ctl serve on PostgreSQL; the Rails app gets databases of its own.
  if (["ruby-sdk", "rails-app"].includes(name)) return ["postgres"];
  if (name === "conformance-ruby") return postgres ? ["postgres"] : [];
  if (name === "reliability") return ["postgres"];
  if (name === "rabbitmq") return ["postgres", "rabbitmq"];
  return [];
}

const SERVICE_URLS = {
  postgres: process.env.TASKER_TEST_PG_URL ?? "postgres://127.0.0.1:5432",
  rabbitmq: process.env.RABBITMQ_URL ?? "amqp://127.0.0.1:5672",
};

function answers(url) {
  const { hostname, port } = new URL(url);
  const defaultPort = url.startsWith("amqp") ? 5672 : 5432;
  return new Promise((done) => {
    const socket = connect({
      host: hostname || "127.0.0.1",
      port: Number(port) || defaultPort,
      timeout: 2000,
    });
    const finish = (up) => {
      socket.destroy();
      done(up);
    };
    socket.once("connect", () => finish(true));
    socket.once("timeout", () => finish(false));
    socket.once("error", () => finish(false));
  });
}

const RUST_SUITES = ["rust-lint", "rust-sdk", "axum-app", "conformance-rust"];
const RUBY_SUITES = ["ruby-lint", "ruby-sdk", "rails-app", "conformance-ruby"];
const GROUPS = { rust: RUST_SUITES, ruby: RUBY_SUITES };
const requested = process.argv.slice(2).flatMap((name) => GROUPS[name] ?? [name]);
const names =
  requested.length > 0
    ? requested
    : [
        "lint",
        "typecheck",
        "vitest",
        "conformance",
        "python-sdk",
        "fastapi-app",
        "conformance-python",
        ...RUST_SUITES,
        ...RUBY_SUITES,
      ];
mkdirSync(RESULTS, { recursive: true });
const needed = [...new Set(names.flatMap(servicesFor))];
const down = [];
for (const service of needed) if (!(await answers(SERVICE_URLS[service]))) down.push(service);
if (down.length > 0) {
  console.error(
    `\n${down.map((s) => `${s} does not answer at ${new URL(SERVICE_URLS[s]).host}`).join("; ")}.\n` +
      "Start the services once per boot with `sudo scripts/services.sh` (PostgreSQL, RabbitMQ, Chromium),\n" +
      "or run only what needs no server: `TASKER_TEST_BACKENDS=pglite npm test`.",
  );
  console.log("0 passed, 1 failed");
  process.exit(1);
}
let passed = 0;
let failed = 0;
for (const name of names) {
  const suite = SUITES[name];
  if (!suite) {
    console.error(`unknown suite "${name}"; choose from: ${Object.keys(SUITES).join(", ")}`);
    process.exit(2);
  }
  console.log(`\n=== ${name} ===`);
  const started = Date.now();
  const result = { ...suite(), seconds: Math.round((Date.now() - started) / 1000) };
  writeFileSync(join(RESULTS, `${name}.json`), JSON.stringify(result));
  console.log(`=== ${name}: ${result.passed} passed, ${result.failed} failed ===`);
  passed += result.passed;
  failed += result.failed;
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
