import { type BenchFile, type BenchResult, emptyResult } from "../results.js";

/**
 * A small, realistic results file for the report, chart and comparison tests. The RabbitMQ
 * results come first and have the best throughput, so a comparison that forgets to tell the
 * transports apart picks them instead of the queue tables' figures.
 */
export function sampleResult(
  core: Partial<BenchResult> & Pick<BenchResult, "system" | "backend" | "mode">,
): BenchResult {
  const transport =
    core.transport !== undefined ? core.transport : core.system === "tasker" ? "postgres" : null;
  return {
    ...emptyResult({ workflow: "linear5", concurrency: 1, runs: 50, ...core, transport }),
    ...core,
    transport,
  };
}

export function sampleFile(): BenchFile {
  return {
    machine: {
      hostname: "ci",
      platform: "linux 6.1",
      cpus: 2,
      cpu_model: "Test CPU",
      memory_gb: 8,
      node: "v20.0.0",
      postgres: "15.20",
      pglite: "0.5.16",
      rabbitmq: "3.10.8",
      load_start: 1.5,
      load_end: 2,
    },
    date: "2026-11-23T19:00:00.000Z",
    engine_commit: "abc123",
    quick: false,
    duration_s: 300,
    notes: ["pgbench took 10 s"],
    results: [
      sampleResult({
        system: "tasker",
        backend: "postgres",
        transport: "rabbitmq",
        mode: "latency",
        p50_ms: 12,
        p95_ms: 20,
        p99_ms: 25,
        queries_per_task: 50,
      }),
      sampleResult({
        system: "tasker",
        backend: "postgres",
        transport: "rabbitmq",
        mode: "throughput",
        concurrency: 32,
        runs: 1000,
        steps_per_s: 1500,
        tasks_per_s: 300,
        drain_ms: 200,
      }),
      sampleResult({
        system: "tasker",
        backend: "postgres",
        mode: "latency",
        p50_ms: 8,
        p95_ms: 12,
        p99_ms: 15,
        queries_per_task: 40,
      }),
      sampleResult({
        system: "tasker",
        backend: "postgres",
        mode: "latency",
        history_tasks: 100_000,
        p50_ms: 10,
        p95_ms: 13,
        p99_ms: 16,
      }),
      sampleResult({
        system: "tasker",
        backend: "pglite",
        mode: "latency",
        p50_ms: 6,
        p95_ms: 9,
        p99_ms: 11,
      }),
      sampleResult({
        system: "tasker",
        backend: "pglite",
        mode: "latency",
        history_tasks: 100_000,
        p50_ms: 6.6,
        p95_ms: 9,
        p99_ms: 11,
      }),
      sampleResult({
        system: "graphile-worker",
        backend: "postgres",
        mode: "latency",
        p50_ms: 4,
        p95_ms: 6,
        p99_ms: 7,
      }),
      sampleResult({
        system: "tasker",
        backend: "postgres",
        mode: "throughput",
        concurrency: 8,
        runs: 1000,
        steps_per_s: 800,
        tasks_per_s: 160,
        drain_ms: 500,
      }),
      sampleResult({
        system: "tasker",
        backend: "postgres",
        mode: "throughput",
        concurrency: 32,
        runs: 1000,
        steps_per_s: 1200,
        tasks_per_s: 240,
        drain_ms: 300,
      }),
      sampleResult({
        system: "graphile-worker",
        backend: "postgres",
        mode: "throughput",
        concurrency: 8,
        runs: 1000,
        steps_per_s: 1600,
        tasks_per_s: 320,
      }),
      sampleResult({
        system: "tasker",
        backend: "postgres",
        transport: "rabbitmq",
        mode: "idle",
        workflow: null,
        concurrency: 10,
        runs: 10,
        queries_per_s: 6,
      }),
      sampleResult({
        system: "tasker",
        backend: "postgres",
        mode: "idle",
        workflow: null,
        concurrency: 10,
        runs: 10,
        queries_per_s: 2.4,
      }),
      sampleResult({
        system: "pgbench",
        backend: "postgres",
        mode: "throughput",
        workflow: null,
        concurrency: 8,
        runs: 1,
        transactions_per_s: 4000,
      }),
    ],
  };
}
