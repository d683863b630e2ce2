// The worker protocol's conformance runner: starts a real orchestration server (tasker-ctl serve on a
// fresh PostgreSQL database, or embedded PGlite), starts the worker under test as its own process,
// runs every scenario in conformance/scenarios/ and compares what the tasks end as with what the
// scenario expects.
//
//   npx tsx conformance/run.ts --worker "npx tsx conformance/workers/typescript.ts" [--name typescript]
//       [--backend postgres|pglite] [--only linear_chain,diamond] [--results file.json]
//
// The worker gets TASKER_URL, TASKER_API_KEY (permissions: worker, templates:write) and
// TASKER_NAMESPACES=conformance in its environment, and must implement the `conformance.step`
// handler described in conformance/README.md. With --results, writes {passed, failed} there.
import { type ChildProcess, spawn } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { basename, dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { createTestDatabase, type TestDatabase } from "../packages/tasker/src/testing/index.js";
import { matches } from "./match.js";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const SCENARIOS = join(ROOT, "conformance", "scenarios");
const ADMIN_KEY = "conformance-admin-key-0123456789";
const WORKER_KEY = "conformance-worker-key-0123456789";

/** One scenario file (see conformance/README.md). */
export interface Scenario {
  name: string;
  description: string;
  template: Record<string, unknown> & { name: string };
  task: { context: Record<string, unknown> };
  copies?: number;
  cancel_when_running?: string;
  /** Do not wait for the task to end: compare after this long, then cancel it. */
  settle_ms?: number;
  timeout_ms?: number;
  expect: {
    task_status: string;
    steps: Record<string, Record<string, unknown>>;
    /** Steps the task must not have (a decision's branch not taken). */
    absent_steps?: string[];
  };
}

export interface ScenarioResult {
  name: string;
  ok: boolean;
  ms: number;
  problems: string[];
}

export function loadScenarios(only?: readonly string[]): Scenario[] {
  return readdirSync(SCENARIOS)
    .filter((f) => f.endsWith(".json"))
    .sort()
    .map((f) => ({ name: basename(f, ".json"), ...JSON.parse(readFileSync(join(SCENARIOS, f), "utf8")) }))
    .filter((s) => !only || only.length === 0 || only.includes(s.name));
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** Spawns a command line through the shell, its output prefixed, and returns the process. */
function start(command: string, env: NodeJS.ProcessEnv, label: string): ChildProcess {
  const child = spawn(command, {
    shell: true,
    env,
    cwd: ROOT,
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  const relay = (chunk: Buffer) => {
    if (process.env.CONFORMANCE_VERBOSE) process.stderr.write(`[${label}] ${chunk}`);
  };
  child.stdout?.on("data", relay);
  child.stderr?.on("data", relay);
  return child;
}

async function stop(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null || child.pid === undefined) return;
  const exited = new Promise((r) => child.once("exit", r));
  try {
    process.kill(-child.pid, "SIGTERM");
  } catch {
    return;
  }
  const timer = setTimeout(() => {
    try {
      process.kill(-child.pid!, "SIGKILL");
    } catch {}
  }, 10_000);
  await exited;
  clearTimeout(timer);
}

// biome-ignore lint/suspicious/noExplicitAny: the runner reads API answers loosely and checks them with matches()
type Json = any;

/** A small client for the runner's own calls (with the admin key). */
function api(base: string) {
  return async function call<T = Json>(
    method: string,
    path: string,
    body?: unknown,
  ): Promise<{ status: number; body: T }> {
    const response = await fetch(base + path, {
      method,
      headers: { "content-type": "application/json", "x-api-key": ADMIN_KEY },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const text = await response.text();
    return { status: response.status, body: (text ? JSON.parse(text) : undefined) as T };
  };
}

async function waitFor<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > until) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const TERMINAL = new Set(["complete", "error", "cancelled", "resolved_manually"]);

async function runScenario(call: ReturnType<typeof api>, scenario: Scenario): Promise<ScenarioResult> {
  const started = Date.now();
  const problems: string[] = [];
  const timeoutMs = scenario.timeout_ms ?? 30_000;
  try {
    const uuids: string[] = [];
    for (let i = 0; i < (scenario.copies ?? 1); i++) {
      const created = await call("POST", "/v1/tasks", {
        name: scenario.template.name,
        namespace: "conformance",
        context: scenario.task.context,
      });
      if (created.status !== 201)
        throw new Error(`create answered ${created.status}: ${JSON.stringify(created.body)}`);
      uuids.push(created.body.task_uuid);
    }
    if (scenario.cancel_when_running) {
      const step = scenario.cancel_when_running;
      for (const uuid of uuids) {
        await waitFor(`step ${step} to run`, timeoutMs, async () => {
          const steps = (await call<Json[]>("GET", `/v1/tasks/${uuid}/workflow_steps`)).body;
          return steps.find((s) => s.name === step)?.current_state === "in_progress" ? true : undefined;
        });
        const cancelled = await call("DELETE", `/v1/tasks/${uuid}`);
        if (cancelled.status !== 200) problems.push(`cancel answered ${cancelled.status}`);
      }
      // Long enough for a heartbeat to tell the worker and for a wrong worker to start the next step.
      await new Promise((r) => setTimeout(r, 4000));
    }
    if (scenario.settle_ms) await new Promise((r) => setTimeout(r, scenario.settle_ms));
    for (const uuid of uuids) {
      const task = scenario.settle_ms
        ? (await call("GET", `/v1/tasks/${uuid}`)).body
        : await waitFor(`task ${uuid} to end`, timeoutMs, async () => {
            const t = (await call("GET", `/v1/tasks/${uuid}`)).body;
            return TERMINAL.has(t.status) ? t : undefined;
          });
      if (task.status !== scenario.expect.task_status) {
        problems.push(`task ${uuid}: status ${task.status}, expected ${scenario.expect.task_status}`);
      }
      const steps = (await call<Json[]>("GET", `/v1/tasks/${uuid}/workflow_steps`)).body;
      for (const [name, expected] of Object.entries(scenario.expect.steps)) {
        const step = steps.find((s) => s.name === name);
        if (!step) {
          problems.push(`task ${uuid}: no step ${name}`);
          continue;
        }
        const { state, ...rest } = expected;
        const states = Array.isArray(state) ? state : state === undefined ? [] : [state];
        if (states.length > 0 && !states.includes(step.current_state)) {
          problems.push(`step ${name}: state ${step.current_state}, expected ${states.join(" or ")}`);
        }
        problems.push(...matches(rest, step, `step ${name}`));
      }
      for (const name of scenario.expect.absent_steps ?? []) {
        if (steps.some((s) => s.name === name))
          problems.push(`task ${uuid}: step ${name} exists, expected none`);
      }
      if (scenario.settle_ms) await call("DELETE", `/v1/tasks/${uuid}`);
    }
  } catch (err) {
    problems.push((err as Error).message);
  }
  return { name: scenario.name, ok: problems.length === 0, ms: Date.now() - started, problems };
}

export interface ConformanceOptions {
  /** The worker under test, as a shell command line run from the repository's root. */
  worker: string;
  backend?: "postgres" | "pglite";
  only?: readonly string[];
  log?: (line: string) => void;
}

/** Starts a server and the worker, runs the scenarios, stops both. */
export async function runConformance(options: ConformanceOptions): Promise<ScenarioResult[]> {
  const log = options.log ?? ((line: string) => console.log(line));
  const scenarios = loadScenarios(options.only);
  let db: TestDatabase | undefined;
  let server: ChildProcess | undefined;
  let worker: ChildProcess | undefined;
  try {
    const backend = options.backend ?? "postgres";
    if (backend === "postgres") db = await createTestDatabase("tasker_conformance");
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    const location = db ? `--database-url '${db.url}'` : "--data-dir memory://";
    server = start(
      `node packages/tasker/bin/tasker-ctl.js serve ${location} --port ${port} --host 127.0.0.1`,
      {
        ...process.env,
        TASKER_TEMPLATE_PATH: "",
        TASKER_AUTH_ENABLED: "true",
        TASKER_API_KEYS: JSON.stringify([
          { name: "conformance-admin", key: ADMIN_KEY, permissions: ["*"] },
          { name: "worker-under-test", key: WORKER_KEY, permissions: ["worker", "templates:write"] },
        ]),
      },
      "server",
    );
    const call = api(base);
    await waitFor("the server to answer", 60_000, async () =>
      (await fetch(`${base}/health/live`)
        .then((r) => r.ok)
        .catch(() => false))
        ? true
        : undefined,
    );
    for (const s of scenarios) {
      const registered = await call("POST", "/v1/templates", { yaml: JSON.stringify(s.template) });
      if (registered.status !== 200) {
        throw new Error(
          `registering ${s.name}'s template answered ${registered.status}: ${JSON.stringify(registered.body)}`,
        );
      }
    }
    worker = start(
      options.worker,
      { ...process.env, TASKER_URL: base, TASKER_API_KEY: WORKER_KEY, TASKER_NAMESPACES: "conformance" },
      "worker",
    );
    const workerExited = new Promise<never>((_, reject) =>
      worker?.once("exit", (code) => reject(new Error(`the worker under test exited (code ${code})`))),
    );
    workerExited.catch(() => undefined);
    await Promise.race([
      waitFor("the worker to register", 60_000, async () =>
        (await workerRegistered(call)) ? true : undefined,
      ),
      workerExited,
    ]);
    const results: ScenarioResult[] = [];
    for (const scenario of scenarios) {
      const result = await Promise.race([runScenario(call, scenario), workerExited]).catch(
        (err: Error): ScenarioResult => ({ name: scenario.name, ok: false, ms: 0, problems: [err.message] }),
      );
      log(
        `${result.ok ? "✓" : "✗"} ${scenario.name} (${result.ms} ms)${result.ok ? "" : `\n    ${result.problems.join("\n    ")}`}`,
      );
      results.push(result);
    }
    return results;
  } finally {
    await stop(worker);
    await stop(server);
    await db?.drop().catch(() => undefined);
  }
}

/** Whether some worker has registered for the conformance namespace (the server's worker list). */
async function workerRegistered(call: ReturnType<typeof api>): Promise<boolean> {
  const { status, body } = await call<{ workers: { namespaces: string[]; status: string }[] }>(
    "GET",
    "/v1/worker/workers",
  );
  return (
    status === 200 && body.workers.some((w) => w.status === "running" && w.namespaces.includes("conformance"))
  );
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      worker: { type: "string" },
      name: { type: "string", default: "typescript" },
      backend: { type: "string", default: "postgres" },
      only: { type: "string" },
      results: { type: "string" },
    },
  });
  if (!values.worker) {
    console.error(
      'usage: npx tsx conformance/run.ts --worker "<command>" [--name <sdk>] [--backend postgres|pglite]',
    );
    process.exit(2);
  }
  if (values.backend !== "postgres" && values.backend !== "pglite") {
    console.error(`--backend must be postgres or pglite (got ${values.backend})`);
    process.exit(2);
  }
  console.log(`conformance: ${values.name} worker (${values.worker}) on ${values.backend}`);
  const results = await runConformance({
    worker: values.worker,
    backend: values.backend,
    ...(values.only ? { only: values.only.split(",") } : {}),
  });
  const passed = results.filter((r) => r.ok).length;
  const failed = results.length - passed;
  if (values.results) {
    mkdirSync(dirname(resolve(values.results)), { recursive: true });
    writeFileSync(values.results, JSON.stringify({ passed, failed }));
  }
  console.log(`conformance ${values.name}: ${passed} passed, ${failed} failed`);
  process.exit(failed === 0 ? 0 : 1);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await main();
