import { cpus, hostname, loadavg, platform, release, totalmem } from "node:os";
import { z } from "zod";
import { TRANSPORTS } from "./options.js";

export const WORKFLOWS = ["linear5", "diamond5", "fanout8"] as const;
export type Workflow = (typeof WORKFLOWS)[number];
/** Steps per task of each benchmark workflow (bench/templates/*.yaml). */
export const STEPS_PER_TASK: Record<Workflow, number> = { linear5: 5, diamond5: 5, fanout8: 8 };
/** The shapes part's tasks (bench/shapes.ts): `independent1000`, `fanout1000`, `chain1000`, ... */
export const SHAPE_NAME = /^(independent|fanout|chain)(\d+)$/;
/**
 * The workflows whose steps are created at run time (issue #27): decision6 and its static twin
 * linear6 (bench/decision.ts), and the batch part's variants (bench/batch.ts).
 */
export const RUN_TIME_WORKFLOWS = [
  "decision6",
  "linear6",
  "batch_p8",
  "batch_unlimited",
  "batch_p8_checkpoint",
] as const;
export type RunTimeWorkflow = (typeof RUN_TIME_WORKFLOWS)[number];

const ms = z.number().nonnegative().nullable();

/**
 * One measured figure. The first fields are the comparable core the issue fixes; the rest say how
 * it was measured (history in the tables, runs, drain time, round trips) so runs can be compared.
 */
const BenchResultObject = z.object({
  system: z.enum(["tasker", "graphile-worker", "pgbench"]),
  backend: z.enum(["pglite", "postgres"]),
  /**
   * tasker only: how signals travel - `postgres` (the queue tables, also on PGlite) or `rabbitmq`
   * (outbox relay to the broker). null for the baselines, which have their own queueing.
   */
  transport: z.enum(TRANSPORTS).nullable(),
  /**
   * tasker only: where the handlers ran - `in-process` (a worker in the engine's process, on the
   * database), or `remote-<sdk>` (a worker over the worker protocol, through the orchestration
   * server's HTTP API). Absent from files written before remote workers were measured.
   */
  worker: z.string().default("in-process"),
  /**
   * null for pgbench, which runs its own transaction, and for idle engines. The shapes part names
   * its shape (SHAPE_NAME: its kind and the steps of one task).
   */
  workflow: z.union([z.enum(WORKFLOWS), z.enum(RUN_TIME_WORKFLOWS), z.string().regex(SHAPE_NAME)]).nullable(),
  /**
   * idle: an engine with nothing to do, counting what it still sends to PostgreSQL. startup:
   * `npm start` to its ready banner (p50/p95/p99 of the runs; see `startup`). app: the example
   * app under load (bench/app-load.ts): POST /orders latency (p95_ms holds p97.5, autocannon's
   * nearest), tasks_per_s = orders whose task completed per second, over load start to the last
   * completion (duration_ms); concurrency = connections. shape: tasks of one shape (`workflow`) in
   * flight, steps/s as throughput's (bench/shapes.ts). batch: batch jobs (`workflow`: a batchable
   * step, its instances, a convergence step) in flight, steps/s counting every step, items_per_s
   * and instance_steps_per_s (bench/batch.ts).
   */
  mode: z.enum(["latency", "throughput", "idle", "startup", "app", "shape", "creation", "batch"]),
  /**
   * creation only (bench/creation.ts): how the tasks were created - `in-process` (createTask),
   * `http` (POST /v1/tasks), `batch` (createTasks), `http-batch` (POST /v1/tasks/batch);
   * tasks_per_s is the median round's, p50/p95/p99 a call's time, concurrency the calls at once.
   */
  creation: z.enum(["in-process", "http", "batch", "http-batch"]).nullable().default(null),
  /** creation: tasks per batch call; batch: items per batch instance. */
  batch_size: z.number().int().positive().nullable().default(null),
  /** batch only: items per job (the batchable step's plan). */
  items_per_task: z.number().int().nonnegative().nullable().default(null),
  /** batch only: items the instances went through per second (first create -> last completion). */
  items_per_s: z.number().nonnegative().nullable().default(null),
  /** batch only: batch worker instances that ended per second (steps_per_s counts every step). */
  instance_steps_per_s: z.number().nonnegative().nullable().default(null),
  /**
   * startup only: `first` (a new checkout: new data folder, empty caches), `fresh` (a new data
   * folder, caches kept) or `warm` (the same data folder again). Absent from older files.
   */
  startup: z.enum(["first", "fresh", "warm"]).nullable().default(null),
  /** startup only: the longest wait before the process printed anything, ms. */
  first_output_ms: ms.default(null),
  /** startup only: median CPU time (user + system) the processes used until ready, ms (Linux). */
  cpu_ms: ms.default(null),
  /**
   * Latency: 1 (one task at a time). Throughput and idle: the worker's concurrency (pgbench:
   * clients).
   */
  concurrency: z.number().int().positive(),
  p50_ms: ms,
  p95_ms: ms,
  p99_ms: ms,
  steps_per_s: z.number().nonnegative().nullable(),
  tasks_per_s: z.number().nonnegative().nullable(),
  /** Finished tasks already in the tables when this was measured (the scale runs). */
  history_tasks: z.number().int().nonnegative(),
  /** Latency: measured runs. Throughput: tasks in flight. Idle: seconds counted. */
  runs: z.number().int().positive(),
  /** Throughput: from the last create to the last completion. */
  drain_ms: ms,
  /** Throughput: from the first create to the last completion. */
  duration_ms: ms,
  /** SQL statements the engine sent per task (both processes' share, BEGIN/COMMIT included). */
  queries_per_task: z.number().nonnegative().nullable(),
  /**
   * Waits for an answer per task: statements sent together (BEGIN with the first, a batch, the
   * last with COMMIT) share one. Absent from files written before they were counted.
   */
  round_trips_per_task: z.number().nonnegative().nullable().default(null),
  /** Idle only: statements per second the idle engine sent (polls, heartbeats, sweeps). */
  queries_per_s: z.number().nonnegative().nullable().default(null),
  /** pgbench only: its transactions per second. */
  transactions_per_s: z.number().nonnegative().nullable(),
  /** app only: orders answered 201 per second of load. */
  accepted_per_s: z.number().nonnegative().nullable().default(null),
  /** app only: requests not answered 201 (other statuses, errors, timeouts). */
  rejected: z.number().int().nonnegative().nullable().default(null),
  /** app only: orders whose task ended in error. */
  failed_tasks: z.number().int().nonnegative().nullable().default(null),
  /**
   * app only: database transactions (committed + rolled back, pg_stat_database) per completed
   * order, the app's and the engine's together; PostgreSQL only.
   */
  transactions_per_task: z.number().nonnegative().nullable().default(null),
  /** app: CPU time of the app's processes per completed order, ms (Linux); creation: the engine's process per task. */
  cpu_ms_per_task: z.number().nonnegative().nullable().default(null),
  /** app (creation): CPU time of the PostgreSQL backends of the app's (engine's) database per order (task), ms. */
  db_cpu_ms_per_task: z.number().nonnegative().nullable().default(null),
  /**
   * shape only: CPU time per step of the engine's process (on PGlite the database's too), and of
   * the PostgreSQL backends of its database (Linux; null elsewhere and on PGlite), median round.
   */
  cpu_ms_per_step: z.number().nonnegative().nullable().default(null),
  db_cpu_ms_per_step: z.number().nonnegative().nullable().default(null),
  /** shape, batch, decision throughput: steps/s of each round (steps_per_s is the median round's); creation: tasks/s of each round. */
  steps_per_s_rounds: z.array(z.number().nonnegative()).nullable().default(null),
  /**
   * app only, each round: completed orders/s (tasks_per_s is the median round's), transactions per
   * order (PostgreSQL), and the transactions/s of the pgbench run just before it (the ceiling).
   */
  tasks_per_s_rounds: z.array(z.number().nonnegative()).nullable().default(null),
  transactions_per_task_rounds: z.array(z.number().nonnegative()).nullable().default(null),
  pgbench_transactions_per_s_rounds: z.array(z.number().nonnegative()).nullable().default(null),
});

/**
 * Files written before the RabbitMQ contender have no `transport`: their tasker results used
 * the queue tables, so they still parse and compare.
 */
export const BenchResultSchema = z.preprocess((raw) => {
  if (raw === null || typeof raw !== "object" || "transport" in raw) return raw;
  const system = (raw as { system?: unknown }).system;
  return { ...raw, transport: system === "tasker" ? "postgres" : null };
}, BenchResultObject);
export type BenchResult = z.output<typeof BenchResultObject>;

export const MachineSchema = z.object({
  hostname: z.string(),
  platform: z.string(),
  cpus: z.number().int(),
  cpu_model: z.string(),
  memory_gb: z.number(),
  node: z.string(),
  postgres: z.string().nullable(),
  pglite: z.string().nullable(),
  /** The broker's version when the RabbitMQ transport was measured (absent from older files). */
  rabbitmq: z.string().nullable().default(null),
  /** 1-minute load average when the run started and ended: the machine is shared, so read ratios. */
  load_start: z.number(),
  load_end: z.number(),
});
export type Machine = z.output<typeof MachineSchema>;

export const BenchFileSchema = z.object({
  machine: MachineSchema,
  date: z.string(),
  /** The engine measured: its git commit, `-dirty` when packages/tasker had local changes. */
  engine_commit: z.string().nullable(),
  quick: z.boolean(),
  duration_s: z.number(),
  results: z.array(BenchResultSchema),
  /** What could not be measured (no pgbench, a failed part), in words. */
  notes: z.array(z.string()),
});
export type BenchFile = z.infer<typeof BenchFileSchema>;

/** A result with every optional measurement empty, for the builders to fill in. */
export function emptyResult(
  core: Pick<BenchResult, "system" | "backend" | "transport" | "workflow" | "mode" | "concurrency" | "runs">,
): BenchResult {
  return {
    ...core,
    worker: "in-process",
    startup: null,
    first_output_ms: null,
    cpu_ms: null,
    p50_ms: null,
    p95_ms: null,
    p99_ms: null,
    steps_per_s: null,
    tasks_per_s: null,
    history_tasks: 0,
    drain_ms: null,
    duration_ms: null,
    queries_per_task: null,
    round_trips_per_task: null,
    queries_per_s: null,
    transactions_per_s: null,
    accepted_per_s: null,
    rejected: null,
    failed_tasks: null,
    transactions_per_task: null,
    cpu_ms_per_task: null,
    db_cpu_ms_per_task: null,
    cpu_ms_per_step: null,
    db_cpu_ms_per_step: null,
    steps_per_s_rounds: null,
    tasks_per_s_rounds: null,
    transactions_per_task_rounds: null,
    pgbench_transactions_per_s_rounds: null,
    creation: null,
    batch_size: null,
    items_per_task: null,
    items_per_s: null,
    instance_steps_per_s: null,
  };
}

export function describeMachine(
  versions: { postgres: string | null; pglite: string | null; rabbitmq: string | null },
  loadStart: number,
): Machine {
  const cpu = cpus();
  return {
    hostname: hostname(),
    platform: `${platform()} ${release()}`,
    cpus: cpu.length,
    cpu_model: cpu[0]?.model.trim() ?? "unknown",
    memory_gb: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    postgres: versions.postgres,
    pglite: versions.pglite,
    rabbitmq: versions.rabbitmq,
    load_start: loadStart,
    load_end: loadavg()[0] ?? 0,
  };
}

/** `2026-11-23T19-14-03Z`: sortable, and safe in a file name on every OS. */
export function fileStamp(date: Date): string {
  return date
    .toISOString()
    .replace(/\.\d{3}Z$/, "Z")
    .replace(/:/g, "-");
}
