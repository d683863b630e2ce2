// The example app under load: `npm start` (examples/hono-app) as a user starts it, on PostgreSQL
// (DATABASE_URL) or embedded on PGlite, while autocannon POSTs /orders on `connections`
// connections for `seconds`. An order counts when its task completes (its five steps run on the
// same machine), read from the engine's task counts (the orchestration API's embedded, the tasks
// table on PostgreSQL), not when the 201 comes back.
// On PostgreSQL the transactions one order needs are measured from pg_stat_database (the app's
// tables live in the engine's database, schema `app`): the ceiling is pgbench's transactions/s
// divided by that (bench/compare.ts).
import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openDatabase } from "@tasker-ts/tasker";
import { createTestDatabase } from "@tasker-ts/tasker/testing";
import autocannon from "autocannon";
import pg from "pg";
import type { Backend } from "./options.js";
import { type BenchResult, emptyResult } from "./results.js";
import { freePort, groupCpuMs, launch } from "./startup.js";
import { medianRound, round } from "./stats.js";

/** Steps of the app's order_processing template (templates/ecommerce/order_processing.yaml). */
export const ORDER_STEPS = 5;

/** Products an order buys, in turn, in proportion to their seed stock (1000, 500, 200). */
const SKU_CYCLE = [
  ...Array<string>(10).fill("WIDGET-001"),
  ...Array<string>(5).fill("GADGET-002"),
  ...Array<string>(2).fill("GIZMO-003"),
];

/** The bench owns the app's database: stock for any number of orders. */
const STOCK_EVERYTHING = "UPDATE app.products SET stock = 100000000 WHERE NOT restricted";

/**
 * Stocks the app's embedded database (the engine's PGlite data directory) while no app runs,
 * opened as the engine opens it (its PGlite, its lock).
 */
async function stockEmbedded(dataDir: string): Promise<void> {
  const database = await openDatabase({ dataDir });
  try {
    const stocked = await database.query<{ sku: string }>(`${STOCK_EVERYTHING} RETURNING sku`);
    if (stocked.length === 0) throw new Error(`no products to stock in ${dataDir}`);
  } finally {
    await database.close();
  }
}

/** The body of the i-th order (a valid order of one item that the seed stock can fill). */
export function orderBody(i: number): string {
  return JSON.stringify({
    customer_email: "ada@example.com",
    items: [{ sku: SKU_CYCLE[i % SKU_CYCLE.length], quantity: 1 }],
    payment_info: { method: "card", token: "tok_visa" },
  });
}

export interface AppLoadOptions {
  backend: Backend;
  seconds: number;
  connections: number;
  /** How long to wait for the accepted orders' tasks to finish after the load stops. */
  drainTimeoutMs: number;
  /**
   * Seconds of the same load before the measured one, not counted (default none): the app's
   * code and PGlite's WebAssembly are compiled while it runs.
   */
  warmupSeconds?: number;
  /** The app's WORKER_CONCURRENCY, the steps its worker runs at once (default: the app's own, 10). */
  workerConcurrency?: number;
  /**
   * PostgreSQL: how long to let backends report their transactions to pg_stat_database before
   * and after the run. A backend that goes idle within a second of its last report holds its
   * counts for up to 10 s (PGSTAT_IDLE_INTERVAL): 11 s reads them all; less is a smoke test.
   */
  statsWaitMs?: number;
  /** Repository root whose `npm start` runs (default the working directory). */
  root?: string;
  say?: (line: string) => void;
}

/** What one load run observed, before it is turned into a result. */
export interface LoadObservation {
  backend: Backend;
  connections: number;
  /** 201 answers, and any other answer or error. */
  accepted: number;
  rejected: number;
  /** Tasks of the ecommerce namespace that completed, or ended in error, after the load began. */
  completed: number;
  failed: number;
  /** Load start to its end, and to the last completion seen (ms). */
  loadMs: number;
  lastCompletionMs: number;
  latency: { p50: number; p97_5: number; p99: number };
  /** Transactions committed or rolled back in the app's database over the run (PostgreSQL). */
  transactions: number | null;
  /** CPU time of the app's processes over the run (Linux). */
  appCpuMs: number | null;
  /** CPU time of the PostgreSQL backends serving the app's database over the run (local server, Linux). */
  dbCpuMs?: number | null;
}

/** The result row of a load run: orders/s counts completed orders only. */
export function loadResult(o: LoadObservation): BenchResult {
  const perSecond = o.lastCompletionMs > 0 ? (o.completed * 1000) / o.lastCompletionMs : 0;
  return {
    ...emptyResult({
      system: "tasker",
      backend: o.backend,
      transport: "postgres",
      workflow: null,
      mode: "app",
      concurrency: o.connections,
      runs: Math.max(1, o.completed),
    }),
    p50_ms: o.latency.p50,
    p95_ms: o.latency.p97_5,
    p99_ms: o.latency.p99,
    tasks_per_s: round(perSecond, 1),
    steps_per_s: round(perSecond * ORDER_STEPS, 1),
    duration_ms: round(o.lastCompletionMs, 0),
    drain_ms: round(Math.max(0, o.lastCompletionMs - o.loadMs), 0),
    accepted_per_s: round((o.accepted * 1000) / o.loadMs, 1),
    rejected: o.rejected,
    failed_tasks: o.failed,
    transactions_per_task:
      o.transactions === null || o.completed === 0 ? null : round(o.transactions / o.completed, 2),
    cpu_ms_per_task: o.appCpuMs === null || o.completed === 0 ? null : round(o.appCpuMs / o.completed, 2),
    db_cpu_ms_per_task:
      o.dbCpuMs === null || o.dbCpuMs === undefined || o.completed === 0
        ? null
        : round(o.dbCpuMs / o.completed, 2),
  };
}

/** One round of the app part on one backend, and pgbench's transactions/s just before it (if run). */
export interface AppRound {
  result: BenchResult;
  pgbenchTransactionsPerS: number | null;
}

/**
 * The app part's rounds on one backend as one result: the median round's figures (by completed
 * orders/s), with every round's orders/s, transactions per order and pgbench run beside them, so
 * the ceiling's ratio can be taken round by round (bench/compare.ts).
 */
export function appRoundsResult(rounds: readonly AppRound[]): BenchResult {
  const results = rounds.map((r) => r.result);
  const all = <T>(values: readonly (T | null)[]): T[] | null =>
    values.every((v) => v !== null) ? (values as T[]) : null;
  return {
    ...medianRound(results, (r) => r.tasks_per_s ?? 0),
    tasks_per_s_rounds: results.map((r) => r.tasks_per_s ?? 0),
    transactions_per_task_rounds: all(results.map((r) => r.transactions_per_task)),
    pgbench_transactions_per_s_rounds: all(rounds.map((r) => r.pgbenchTransactionsPerS)),
  };
}

/** Starts the app, loads it, waits for its tasks, stops it: one result. */
export async function benchAppLoad(options: AppLoadOptions): Promise<BenchResult> {
  const say = options.say ?? (() => undefined);
  const scratch = mkdtempSync(join(tmpdir(), "tasker-bench-app-"));
  const db = options.backend === "postgres" ? await createTestDatabase("tasker_bench_app") : undefined;
  const sql = db ? new pg.Client({ connectionString: db.url }) : undefined;
  try {
    const [port, orchestrationPort] = [await freePort(), await freePort()];
    const apiKey = randomBytes(16).toString("hex");
    const { PORT: _p, ORCHESTRATION_PORT: _o, DATABASE_URL: _d, APP_DATABASE_URL: _a, ...env } = process.env;
    const dataDir = join(scratch, "data");
    const start = {
      command: "npm",
      args: ["start"],
      cwd: options.root ?? process.cwd(),
      env: {
        ...env,
        PORT: String(port),
        ORCHESTRATION_PORT: String(orchestrationPort),
        TASKER_DATA_DIR: dataDir,
        TASKER_API_KEY: apiKey,
        ...(db ? { DATABASE_URL: db.url } : {}),
        TASKER_MESSAGING_BACKEND: "postgres",
        ...(options.workerConcurrency === undefined
          ? {}
          : { WORKER_CONCURRENCY: String(options.workerConcurrency) }),
        TASKER_LOG_LEVEL: "warn",
        LOG_LEVEL: "warn",
      },
    };
    if (!db) {
      // The running app holds its embedded database: its data is made by a first start, and
      // stocked while no app runs.
      await (await launch(start)).stop();
      await stockEmbedded(join(dataDir, "tasker"));
    }
    const app = await launch(start);
    try {
      say(`[app ${options.backend}] npm start ready in ${(app.readyMs / 1000).toFixed(1)} s`);
      let statements = 0; // the bench's own statements on the app's database, each a transaction
      const query = async <R extends pg.QueryResultRow>(text: string, values?: unknown[]) => {
        statements++;
        return sql!.query<R>(text, values);
      };
      const statsWaitMs = options.statsWaitMs ?? 11_000;
      if (sql) {
        await sql.connect();
        await query(STOCK_EVERYTHING);
      }
      // On PostgreSQL the counts are read from the engine's table, one known statement each; the
      // API's reads would be transactions of their own in the same database.
      const tasks = sql
        ? sqlTaskCounter(query)
        : apiTaskCounter(`http://127.0.0.1:${orchestrationPort}`, apiKey);
      const url = `http://127.0.0.1:${port}/orders`;
      const warmupSeconds = options.warmupSeconds ?? 0;
      let sent = 0;
      if (warmupSeconds > 0) {
        // Not measured: the app's code and PGlite's WebAssembly are compiled while it runs.
        const warm = await loadOrders({ ...options, url, tasks, seconds: warmupSeconds, firstOrder: sent });
        sent += warm.sent;
        say(
          `[app ${options.backend}] warm-up: ${warm.last.complete - warm.before.complete} orders in ${(warm.lastCompletionMs / 1000).toFixed(1)} s, not counted`,
        );
      }
      if (sql) await sleep(statsWaitMs); // the start-up's and warm-up's transactions reported before the first count
      const xactBefore = sql ? await transactionCount(query, db!.name) : null;
      const ownBefore = statements;
      const cpuBefore = app.child.pid === undefined ? null : groupCpuMs(app.child.pid);
      const dbCpuBefore = sql ? await backendCpu(query, db!.name) : null;
      const { load, loadMs, lastCompletionMs, before, last } = await loadOrders({
        ...options,
        url,
        tasks,
        firstOrder: sent,
        onLoaded: (loaded, ms) =>
          say(
            `[app ${options.backend}] ${loaded["2xx"]} orders accepted in ${(ms / 1000).toFixed(1)} s (p50 ${loaded.latency.p50} ms, p99 ${loaded.latency.p99} ms); waiting for their tasks`,
          ),
      });
      const accepted = load["2xx"];
      const cpuAfter = app.child.pid === undefined ? null : groupCpuMs(app.child.pid);
      const dbCpuAfter = sql ? await backendCpu(query, db!.name) : null;
      let transactions: number | null = null;
      if (xactBefore !== null) {
        await sleep(statsWaitMs);
        // The bench's statements since the first count (which itself committed after its snapshot).
        const own = statements - ownBefore + 1;
        transactions = Math.max(0, (await transactionCount(query, db!.name)) - xactBefore - own);
      }
      const result = loadResult({
        backend: options.backend,
        connections: options.connections,
        accepted,
        rejected: load.non2xx + load.errors + load.timeouts,
        completed: last.complete - before.complete,
        failed: last.error - before.error,
        loadMs,
        lastCompletionMs,
        latency: { p50: load.latency.p50, p97_5: load.latency.p97_5, p99: load.latency.p99 },
        transactions,
        appCpuMs: cpuBefore === null || cpuAfter === null ? null : cpuAfter - cpuBefore,
        dbCpuMs: cpuSpent(dbCpuBefore, dbCpuAfter),
      });
      say(
        `[app ${options.backend}] ${result.runs} orders completed: ${result.tasks_per_s} orders/s (drain ${result.drain_ms} ms${result.transactions_per_task === null ? "" : `, ${result.transactions_per_task} transactions/order`}${result.cpu_ms_per_task === null ? "" : `, app CPU ${result.cpu_ms_per_task} ms/order`}${result.db_cpu_ms_per_task === null ? "" : `, database CPU ${result.db_cpu_ms_per_task} ms/order`})`,
      );
      return result;
    } finally {
      await app.stop();
    }
  } finally {
    await sql?.end().catch(() => undefined);
    await db?.drop();
    rmSync(scratch, { recursive: true, force: true });
  }
}

interface TaskCounter {
  read(): Promise<TaskCounts>;
}

interface LoadOrdersOptions {
  url: string;
  tasks: TaskCounter;
  connections: number;
  seconds: number;
  drainTimeoutMs: number;
  /** The index of the first order's body (see orderBody): the products go on in turn. */
  firstOrder: number;
  /** Told when the load stops, before the wait for its tasks. */
  onLoaded?: (load: autocannon.Result, loadMs: number) => void;
}

interface LoadOrdersRun {
  load: autocannon.Result;
  /** Orders sent (each an orderBody). */
  sent: number;
  /** Load start to its end, and to the last completion seen (ms). */
  loadMs: number;
  lastCompletionMs: number;
  /** The task counts before the load and when its tasks had finished (or the drain timed out). */
  before: TaskCounts;
  last: TaskCounts;
}

/** POSTs orders for `seconds` on `connections`, then waits for their tasks to finish. */
async function loadOrders(o: LoadOrdersOptions): Promise<LoadOrdersRun> {
  const before = await o.tasks.read();
  const t0 = performance.now();
  let lastCompletionMs = 0;
  let last = before;
  let loadMs = 0;
  let accepted = Number.POSITIVE_INFINITY;
  const watch = (async () => {
    // The time the completed count last grew is when the last order finished.
    while (true) {
      const now = await o.tasks.read();
      if (now.complete > last.complete || now.error > last.error) lastCompletionMs = performance.now() - t0;
      last = now;
      if (loadMs > 0) {
        // Requests cut off when the load stopped may still have created their orders' tasks.
        const created = Math.max(accepted, now.created - before.created);
        if (now.complete + now.error - before.complete - before.error >= created) return;
        if (performance.now() - t0 > loadMs + o.drainTimeoutMs) return;
      }
      await sleep(loadMs > 0 ? 100 : 250);
    }
  })();
  // A failed read must not go unhandled while the load runs; awaited below, it throws there.
  watch.catch(() => undefined);
  let sent = 0;
  const load = await autocannon({
    url: o.url,
    method: "POST",
    headers: { "content-type": "application/json" },
    connections: o.connections,
    duration: o.seconds,
    requests: [{ setupRequest: (req) => ({ ...req, body: orderBody(o.firstOrder + sent++) }) }],
  });
  accepted = load["2xx"];
  loadMs = performance.now() - t0;
  o.onLoaded?.(load, loadMs);
  await watch;
  return { load, sent, loadMs, lastCompletionMs, before, last };
}

interface TaskCounts {
  complete: number;
  error: number;
  created: number;
}

/** Reads how many ecommerce tasks exist, are complete and in error, through the orchestration API. */
function apiTaskCounter(baseUrl: string, apiKey: string) {
  const count = async (status?: string) => {
    const res = await fetch(
      `${baseUrl}/v1/tasks?namespace=ecommerce${status ? `&status=${status}` : ""}&limit=1`,
      { headers: { "X-API-Key": apiKey } },
    );
    if (!res.ok) throw new Error(`GET /v1/tasks answered ${res.status}: ${await res.text()}`);
    return ((await res.json()) as { pagination: { total: number } }).pagination.total;
  };
  return {
    async read(): Promise<TaskCounts> {
      const [complete, error, created] = await Promise.all([count("complete"), count("error"), count()]);
      return { complete, error, created };
    },
  };
}

export type Query = <R extends pg.QueryResultRow>(
  text: string,
  values?: unknown[],
) => Promise<pg.QueryResult<R>>;

/** The same counts from the engine's tasks table, in one statement. */
function sqlTaskCounter(query: Query) {
  return {
    async read(): Promise<TaskCounts> {
      const { rows } = await query<TaskCounts>(
        `SELECT count(*) FILTER (WHERE status = 'complete')::int AS complete,
                count(*) FILTER (WHERE status = 'error')::int AS error,
                count(*)::int AS created
           FROM tasker.tasks WHERE namespace = 'ecommerce'`,
      );
      return rows[0]!;
    },
  };
}

async function transactionCount(query: Query, database: string): Promise<number> {
  const { rows } = await query<{ n: string }>(
    "SELECT xact_commit + xact_rollback AS n FROM pg_stat_database WHERE datname = $1",
    [database],
  );
  return Number(rows[0]?.n ?? 0);
}

/**
 * CPU time (ms) of each PostgreSQL backend connected to the database, by pid, from /proc: the
 * server runs on this machine in the bench's setups; null where /proc cannot tell (elsewhere).
 */
export async function backendCpu(query: Query, database: string): Promise<Map<number, number> | null> {
  const { rows } = await query<{ pid: number }>("SELECT pid FROM pg_stat_activity WHERE datname = $1", [
    database,
  ]);
  const cpu = new Map<number, number>();
  for (const { pid } of rows) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      cpu.set(pid, (Number(fields[11]) + Number(fields[12])) * 10); // utime, stime in 10 ms ticks
    } catch {
      return null; // not on this machine, or /proc not readable
    }
  }
  return cpu;
}

/** CPU spent between two readings: backends connected meanwhile count from zero. */
export function cpuSpent(
  before: Map<number, number> | null,
  after: Map<number, number> | null,
): number | null {
  if (before === null || after === null) return null;
  let ms = 0;
  for (const [pid, now] of after) ms += now - (before.get(pid) ?? 0);
  return ms;
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
