// CI entry for the benchmark (called from .ci/run): the bench's unit tests, then a `--quick` run
// that proves the script still works end to end. Writes .test-results/bench-unit.json (test counts)
// and .test-results/bench.json ({passed: 1} for a working quick run) for the CI summary.
// When RabbitMQ's port answers, the quick run must measure the RabbitMQ transport too: a broker
// the benchmark cannot use fails CI instead of being skipped with a note.
import { spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { join, resolve } from "node:path";
import { redactUrl } from "./options.js";
import { BENCH_RABBITMQ_URL } from "./versions.js";

const RESULTS = ".test-results";
mkdirSync(RESULTS, { recursive: true });

function unitTests(): { passed: number; failed: number } {
  // Absolute: vitest resolves a relative output path against the config's root (bench/).
  const out = resolve(RESULTS, "bench-unit.vitest.json");
  rmSync(out, { force: true });
  const run = spawnSync(
    "npx",
    [
      "vitest",
      "run",
      "--config",
      "bench/vitest.config.ts",
      "--reporter=default",
      "--reporter=json",
      `--outputFile.json=${out}`,
    ],
    { stdio: "inherit" },
  );
  try {
    const report = JSON.parse(readFileSync(out, "utf8")) as {
      numPassedTests: number;
      numFailedTests: number;
      testResults: { status: string; assertionResults: unknown[] }[];
    };
    // A test file that failed to load has no tests in it but must still count as a failure.
    const loadFailures = report.testResults.filter(
      (f) => f.status === "failed" && f.assertionResults.length === 0,
    ).length;
    return { passed: report.numPassedTests, failed: report.numFailedTests + loadFailures };
  } catch {
    return { passed: 0, failed: run.status === 0 ? 0 : 1 };
  }
}

let started = Date.now();
const seconds = () => Math.round((Date.now() - started) / 1000);
const unit = { ...unitTests(), seconds: seconds() };
writeFileSync(join(RESULTS, "bench-unit.json"), JSON.stringify(unit));
console.log(`=== bench unit: ${unit.passed} passed, ${unit.failed} failed ===`);

/** Whether something listens on the broker's host and port (the AMQP handshake is the bench's job). */
function portAnswers(url: string): Promise<boolean> {
  let host = "127.0.0.1";
  let port = 5672;
  try {
    const u = new URL(url);
    host = u.hostname || host;
    port = Number(u.port) || port;
  } catch {
    return Promise.resolve(false);
  }
  return new Promise((done) => {
    const socket = connect({ host, port, timeout: 2000 });
    const finish = (up: boolean) => {
      socket.destroy();
      done(up);
    };
    socket.once("connect", () => finish(true));
    socket.once("timeout", () => finish(false));
    socket.once("error", () => finish(false));
  });
}

const rabbitUp = await portAnswers(BENCH_RABBITMQ_URL);
console.log(
  rabbitUp
    ? `=== bench --quick: RabbitMQ listens on ${redactUrl(BENCH_RABBITMQ_URL)}; both transports are required ===`
    : `=== bench --quick: nothing listens on ${redactUrl(BENCH_RABBITMQ_URL)}; the RabbitMQ transport is skipped ===`,
);
started = Date.now();
const quick = spawnSync(
  "npx",
  ["tsx", "bench/run.ts", "--quick", ...(rabbitUp ? ["--transports", "postgres,rabbitmq"] : [])],
  { stdio: "inherit" },
);
const smoke = {
  ...(quick.status === 0 ? { passed: 1, failed: 0 } : { passed: 0, failed: 1 }),
  seconds: seconds(),
};
writeFileSync(join(RESULTS, "bench.json"), JSON.stringify(smoke));
console.log(`=== bench --quick: ${smoke.passed} passed, ${smoke.failed} failed ===`);
process.exit(unit.failed + smoke.failed === 0 ? 0 : 1);
