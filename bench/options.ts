import { parseArgs } from "node:util";
import { MAX_BATCHES } from "../packages/tasker/src/model/batch-outcome.js";
import { MAX_BATCH_TASKS } from "../packages/tasker/src/model/task-batch.js";

export const BACKENDS = ["pglite", "postgres"] as const;
export type Backend = (typeof BACKENDS)[number];
export const PARTS = [
  "latency",
  "throughput",
  "shapes",
  "decision",
  "batch",
  "idle",
  "scale",
  "graphile",
  "remote",
  "pgbench",
  "startup",
  "app",
  "creation",
] as const;
export type Part = (typeof PARTS)[number];
/** Items per batch instance in the batch part's jobs (bench/batch.ts). */
export const BATCH_SIZE = 100;
/** Signal transports of the engine on PostgreSQL: its queue tables, or RabbitMQ (outbox relay). */
export const TRANSPORTS = ["postgres", "rabbitmq"] as const;
export type Transport = (typeof TRANSPORTS)[number];

export interface BenchOptions {
  quick: boolean;
  backends: Backend[];
  parts: Part[];
  /**
   * Transports the engine on PostgreSQL is measured with; null = the default, both when RabbitMQ
   * answers (see planTransports). PGlite always uses its queue tables.
   */
  transports: Transport[] | null;
  /** Measured latency runs per workflow, after `warmup` unmeasured ones. */
  runs: number;
  warmup: number;
  /** Tasks in flight for the throughput runs, and the worker concurrency levels to try. */
  tasks: number;
  concurrency: number[];
  /** Finished tasks written into the tables before the scale latency runs. */
  history: number;
  pgbenchSeconds: number;
  /** How long the idle engines' statements are counted. */
  idleSeconds: number;
  /** The shapes part (bench/shapes.ts; `--quick` runs smaller shapes): steps per shape and round, rounds. */
  shapeSteps: number;
  shapeRounds: number;
  /** The batch part (bench/batch.ts): items per job (in batches of 100), jobs per variant and round. */
  batchItems: number;
  batchJobs: number;
  /** Rounds of the decision part's throughput and of the batch part. */
  runTimeRounds: number;
  /** Warm `npm start` runs measured by the startup part (after a first and a fresh one). */
  startupRuns: number;
  /**
   * The app part: rounds (each after a pgbench run of its own), seconds of load on POST /orders,
   * seconds of the same load before it (not counted), and the load generator's connections.
   */
  appRounds: number;
  appSeconds: number;
  appWarmupSeconds: number;
  appConnections: number;
  /** The creation part (bench/creation.ts): tasks created one a call per kind and round, batches per round, tasks a batch, rounds. */
  creates: number;
  batches: number;
  batchSize: number;
  creationRounds: number;
  /** Where results go (`<date>.json`, `latest.json`, `latest.md`, `latest.svg`). */
  outDir: string;
  help: boolean;
}

const FULL = {
  runs: 50,
  // Steady state: V8 tiers up the hot JavaScript and PGlite's WASM over the first ~200 tasks of a
  // process (linear5 on PGlite: p50 5.2-5.6 ms over tasks 0-200, 4.2-4.5 ms after; README, eighth
  // pass). Every system and backend gets the same warm-up.
  warmup: 200,
  tasks: 1000,
  concurrency: [8, 32],
  history: 100_000,
  pgbenchSeconds: 10,
  idleSeconds: 10,
  shapeSteps: 5000,
  shapeRounds: 3,
  batchItems: 10_000,
  batchJobs: 4,
  runTimeRounds: 3,
  startupRuns: 5,
  appRounds: 3,
  appSeconds: 15,
  appWarmupSeconds: 5,
  appConnections: 16,
  creates: 2000,
  batches: 10,
  batchSize: 1000,
  creationRounds: 3,
};
// Seconds, not minutes: CI runs this to keep the script working, not to measure.
const QUICK = {
  runs: 3,
  warmup: 1,
  tasks: 20,
  concurrency: [8, 32],
  history: 1000,
  pgbenchSeconds: 1,
  idleSeconds: 2,
  shapeSteps: 200,
  shapeRounds: 1,
  batchItems: 1000,
  batchJobs: 1,
  runTimeRounds: 1,
  startupRuns: 1,
  appRounds: 1,
  appSeconds: 2,
  appWarmupSeconds: 1,
  appConnections: 16,
  creates: 20,
  batches: 1,
  batchSize: 50,
  creationRounds: 1,
};

export const USAGE = `npm run bench -- [options]

  --quick                  a smoke run in seconds (what CI runs); results go to bench/results/quick
  --backends LIST          pglite,postgres (default both)
  --only LIST              parts to run: ${PARTS.join(",")} (default all)
  --transports LIST        postgres,rabbitmq: signal transports of the engine on PostgreSQL (default
                           both when RabbitMQ answers on RABBITMQ_URL, else postgres with a note)
  --runs N                 measured latency runs per workflow (default ${FULL.runs}; quick ${QUICK.runs})
  --warmup N               unmeasured runs first (default ${FULL.warmup}; quick ${QUICK.warmup})
  --tasks N                tasks in flight for throughput (default ${FULL.tasks}; quick ${QUICK.tasks})
  --concurrency LIST       worker concurrency levels for throughput (default ${FULL.concurrency.join(",")})
  --history N              finished tasks already in the tables for the scale runs (default ${FULL.history})
  --pgbench-seconds N      duration of the pgbench baseline (default ${FULL.pgbenchSeconds}; quick ${QUICK.pgbenchSeconds})
  --idle-seconds N         how long idle engines' statements are counted (default ${FULL.idleSeconds}; quick ${QUICK.idleSeconds})
  --shape-steps N          steps per shape and round of the shapes part, as tasks of its size (default ${FULL.shapeSteps}; quick ${QUICK.shapeSteps})
  --shape-rounds N         rounds of the shapes part, each shape once per round (default ${FULL.shapeRounds}; quick ${QUICK.shapeRounds})
  --batch-items N          items per job of the batch part, in batches of 100 (default ${FULL.batchItems}; quick ${QUICK.batchItems})
  --batch-jobs N           jobs per variant and round of the batch part, in flight together (default ${FULL.batchJobs}; quick ${QUICK.batchJobs})
  --run-time-rounds N      rounds of the decision part's throughput and of the batch part (default ${FULL.runTimeRounds}; quick ${QUICK.runTimeRounds})
  --startup-runs N         warm \`npm start\` runs of the startup part (default ${FULL.startupRuns}; quick ${QUICK.startupRuns})
  --app-rounds N           rounds of the app part, each after its own pgbench run; the median round's ratio (default ${FULL.appRounds}; quick ${QUICK.appRounds})
  --app-seconds N          seconds of load on the example app's POST /orders (default ${FULL.appSeconds}; quick ${QUICK.appSeconds})
  --app-warmup N           seconds of the same load before it, not counted (default ${FULL.appWarmupSeconds}; quick ${QUICK.appWarmupSeconds})
  --app-connections N      the load generator's connections (default ${FULL.appConnections})
  --creates N              tasks created one a call, per kind and round, by the creation part (default ${FULL.creates}; quick ${QUICK.creates})
  --batches N              batch calls per kind and round (default ${FULL.batches}; quick ${QUICK.batches})
  --batch-size N           tasks per batch call (default ${FULL.batchSize}, the most a batch takes; quick ${QUICK.batchSize})
  --creation-rounds N      rounds of the creation part, each kind once per round (default ${FULL.creationRounds}; quick ${QUICK.creationRounds})
  --out DIR                output directory (default bench/results)
  --help                   this text`;

/** Turns the command line into options; bad input throws an error naming the flag. */
export function parseBenchArgs(argv: readonly string[]): BenchOptions {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv);
  } catch (err) {
    throw new Error(`${(err as Error).message}\n\n${USAGE}`);
  }
  const v = parsed.values;
  const quick = v.quick === true;
  const sizes = quick ? QUICK : FULL;
  return {
    quick,
    help: v.help === true,
    backends: v.backends === undefined ? [...BACKENDS] : list(v.backends, "--backends", BACKENDS),
    parts: v.only === undefined ? [...PARTS] : list(v.only, "--only", PARTS),
    transports: v.transports === undefined ? null : list(v.transports, "--transports", TRANSPORTS),
    runs: v.runs === undefined ? sizes.runs : count(v.runs, "--runs", 1),
    warmup: v.warmup === undefined ? sizes.warmup : count(v.warmup, "--warmup", 0),
    tasks: v.tasks === undefined ? sizes.tasks : count(v.tasks, "--tasks", 1),
    concurrency:
      v.concurrency === undefined
        ? sizes.concurrency
        : v.concurrency.split(",").map((c) => count(c.trim(), "--concurrency", 1)),
    history: v.history === undefined ? sizes.history : count(v.history, "--history", 0),
    pgbenchSeconds:
      v["pgbench-seconds"] === undefined
        ? sizes.pgbenchSeconds
        : count(v["pgbench-seconds"], "--pgbench-seconds", 1),
    idleSeconds:
      v["idle-seconds"] === undefined ? sizes.idleSeconds : count(v["idle-seconds"], "--idle-seconds", 1),
    shapeSteps:
      v["shape-steps"] === undefined ? sizes.shapeSteps : count(v["shape-steps"], "--shape-steps", 1),
    shapeRounds:
      v["shape-rounds"] === undefined ? sizes.shapeRounds : count(v["shape-rounds"], "--shape-rounds", 1),
    batchItems: v["batch-items"] === undefined ? sizes.batchItems : batchItems(v["batch-items"]),
    batchJobs: v["batch-jobs"] === undefined ? sizes.batchJobs : count(v["batch-jobs"], "--batch-jobs", 1),
    runTimeRounds:
      v["run-time-rounds"] === undefined
        ? sizes.runTimeRounds
        : count(v["run-time-rounds"], "--run-time-rounds", 1),
    startupRuns:
      v["startup-runs"] === undefined ? sizes.startupRuns : count(v["startup-runs"], "--startup-runs", 1),
    appRounds: v["app-rounds"] === undefined ? sizes.appRounds : count(v["app-rounds"], "--app-rounds", 1),
    appSeconds:
      v["app-seconds"] === undefined ? sizes.appSeconds : count(v["app-seconds"], "--app-seconds", 1),
    appWarmupSeconds:
      v["app-warmup"] === undefined ? sizes.appWarmupSeconds : count(v["app-warmup"], "--app-warmup", 0),
    appConnections:
      v["app-connections"] === undefined
        ? sizes.appConnections
        : count(v["app-connections"], "--app-connections", 1),
    creates: v.creates === undefined ? sizes.creates : count(v.creates, "--creates", 1),
    batches: v.batches === undefined ? sizes.batches : count(v.batches, "--batches", 1),
    batchSize: v["batch-size"] === undefined ? sizes.batchSize : batchSize(v["batch-size"]),
    creationRounds:
      v["creation-rounds"] === undefined
        ? sizes.creationRounds
        : count(v["creation-rounds"], "--creation-rounds", 1),
    outDir: v.out ?? (quick ? "bench/results/quick" : "bench/results"),
  };
}

function parse(argv: readonly string[]) {
  return parseArgs({
    args: [...argv],
    strict: true,
    allowPositionals: false,
    options: {
      quick: { type: "boolean" },
      help: { type: "boolean" },
      backends: { type: "string" },
      only: { type: "string" },
      transports: { type: "string" },
      runs: { type: "string" },
      warmup: { type: "string" },
      tasks: { type: "string" },
      concurrency: { type: "string" },
      history: { type: "string" },
      "pgbench-seconds": { type: "string" },
      "idle-seconds": { type: "string" },
      "shape-steps": { type: "string" },
      "shape-rounds": { type: "string" },
      "batch-items": { type: "string" },
      "batch-jobs": { type: "string" },
      "run-time-rounds": { type: "string" },
      "startup-runs": { type: "string" },
      "app-rounds": { type: "string" },
      "app-seconds": { type: "string" },
      "app-warmup": { type: "string" },
      "app-connections": { type: "string" },
      creates: { type: "string" },
      batches: { type: "string" },
      "batch-size": { type: "string" },
      "creation-rounds": { type: "string" },
      out: { type: "string" },
    },
  });
}

/** --batch-size: at most what one batch may create. */
function batchSize(raw: string): number {
  const n = count(raw, "--batch-size", 1);
  if (n > MAX_BATCH_TASKS)
    throw new Error(`--batch-size must be at most ${MAX_BATCH_TASKS} (a batch's limit), got ${n}`);
  return n;
}

/** --batch-items: at most what one plan may hold (MAX_BATCHES batches of BATCH_SIZE). */
function batchItems(raw: string): number {
  const n = count(raw, "--batch-items", 1);
  const most = MAX_BATCHES * BATCH_SIZE;
  if (n > most)
    throw new Error(
      `--batch-items must be at most ${most} (${MAX_BATCHES} batches of ${BATCH_SIZE}), got ${n}`,
    );
  return n;
}

/** A whole-number flag, or an error naming the flag. */
export function count(raw: string, flag: string, min: number): number {
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min) {
    throw new Error(`${flag} must be a whole number >= ${min}, got "${raw}"`);
  }
  return n;
}

function list<T extends string>(raw: string, flag: string, allowed: readonly T[]): T[] {
  const items = raw
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
  const unknown = items.filter((s) => !allowed.includes(s as T));
  if (unknown.length > 0 || items.length === 0) {
    throw new Error(
      `${flag} takes a comma-separated list of ${allowed.join(", ")}; ${unknown.length > 0 ? `unknown: ${unknown.join(", ")}` : "got nothing"}`,
    );
  }
  return [...new Set(items)] as T[];
}

/** Whether RabbitMQ answered, and where it was asked (credentials already removed). */
export interface RabbitMqProbe {
  url: string;
  version: string | null;
  /** Why it did not answer. */
  error?: string;
}

/**
 * Which transports to measure the engine on PostgreSQL with. An explicit `--transports rabbitmq`
 * that cannot be honoured is an error; the default quietly drops RabbitMQ with a note.
 */
export function planTransports(
  requested: readonly Transport[] | null,
  backends: readonly Backend[],
  rabbitmq: RabbitMqProbe,
): { transports: Transport[]; note?: string } {
  const wantsRabbit = requested?.includes("rabbitmq") ?? false;
  if (!backends.includes("postgres")) {
    if (wantsRabbit) {
      throw new Error(
        "--transports rabbitmq is measured on PostgreSQL only (PGlite is the one-process deployment, which keeps its queue in its tables); add --backends postgres",
      );
    }
    return { transports: ["postgres"] };
  }
  if (rabbitmq.version !== null) return { transports: requested ? [...requested] : [...TRANSPORTS] };
  const why = `RabbitMQ does not answer on ${rabbitmq.url}${rabbitmq.error ? ` (${rabbitmq.error})` : ""}`;
  if (wantsRabbit) {
    throw new Error(
      `${why}; start it (rabbitmq-server -detached), set RABBITMQ_URL, or pass --transports postgres`,
    );
  }
  return {
    transports: requested ? [...requested] : ["postgres"],
    ...(requested ? {} : { note: `RabbitMQ transport not measured: ${why}; start it or set RABBITMQ_URL` }),
  };
}

/** The URL with its password replaced, for notes and messages. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = "***";
    return u.toString().replace(/\/$/, "");
  } catch {
    return "(unparseable URL)";
  }
}
