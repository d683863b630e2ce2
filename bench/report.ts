import { compareResults, type Finding } from "./compare.js";
import type { BenchFile, BenchResult } from "./results.js";

const COLUMNS = [
  "system",
  "backend",
  "transport",
  "workflow",
  "mode",
  "history",
  "conc.",
  "p50 ms",
  "p95 ms",
  "p99 ms",
  "steps/s",
  "tasks/s",
  "drain ms",
  "queries/task",
  "round trips/task",
  "queries/s",
] as const;

function cell(value: number | string | null): string {
  if (value === null) return "–";
  if (typeof value === "string") return value;
  return value >= 100 ? String(Math.round(value)) : String(Math.round(value * 10) / 10);
}

function row(r: BenchResult): string[] {
  return [
    r.worker === "in-process" ? r.system : `${r.system} (${r.worker})`,
    r.backend,
    r.transport ?? "–",
    r.system === "pgbench"
      ? "simple-update"
      : r.mode === "startup"
        ? `npm start, ${r.startup ?? "?"}`
        : r.mode === "creation"
          ? `${r.workflow}, create ${r.creation}${r.batch_size ? ` ×${r.batch_size}` : ""}`
          : r.mode === "batch"
            ? `${r.workflow}, ${r.items_per_task} items ×${r.batch_size}`
            : r.mode === "app"
              ? "hono-app POST /orders"
              : (r.workflow ?? "–"),
    r.mode,
    r.history_tasks > 0 ? r.history_tasks.toLocaleString("en-US") : "0",
    String(r.concurrency),
    cell(r.p50_ms),
    cell(r.p95_ms),
    cell(r.p99_ms),
    cell(r.system === "pgbench" ? r.transactions_per_s : r.steps_per_s),
    cell(r.tasks_per_s),
    cell(r.drain_ms),
    cell(r.queries_per_task),
    cell(r.round_trips_per_task),
    cell(r.queries_per_s),
  ];
}

/** The results as a Markdown table (what `latest.md` and the console show). */
export function resultsTable(results: readonly BenchResult[]): string {
  const lines = [`| ${COLUMNS.join(" | ")} |`, `|${COLUMNS.map(() => "---").join("|")}|`];
  for (const r of results) lines.push(`| ${row(r).join(" | ")} |`);
  return lines.join("\n");
}

function findingLine(f: Finding): string {
  const value = f.value === null ? "not measured" : `${f.value}${f.unit === "×" ? "×" : ` ${f.unit}`}`;
  if (!f.target) return `- ${f.label}: **${value}**`;
  const mark = f.met === null || f.met === undefined ? "?" : f.met ? "✅" : "❌";
  return `- ${mark} ${f.label}: **${value}** (target ${f.target})`;
}

/** `latest.md`: machine, table, targets and ratios, notes. */
export function renderMarkdown(file: BenchFile): string {
  const m = file.machine;
  const findings = compareResults(file.results);
  return [
    `# tasker-ts benchmark${file.quick ? " (quick smoke run: too short to read figures from)" : ""}`,
    "",
    `${file.date} · ${m.cpus}× ${m.cpu_model} · ${m.memory_gb} GiB · Node ${m.node} · PostgreSQL ${m.postgres ?? "–"} · PGlite ${m.pglite ?? "–"}${m.rabbitmq ? ` · RabbitMQ ${m.rabbitmq}` : ""} · load ${m.load_start.toFixed(1)} → ${m.load_end.toFixed(1)} · ${Math.round(file.duration_s)} s · engine ${file.engine_commit ?? "unknown"}`,
    "",
    "Latency: one task at a time, create → `task.completed` event, no-op handlers. Throughput: tasks in flight, submitted by 8 concurrent clients while the worker runs at the given concurrency; steps/s over first create → last completion. Transport: how the engine's signals travel, its PostgreSQL queue tables or RabbitMQ (outbox relay); queries/task counts what it still sends to PostgreSQL. Idle: an engine (orchestrator + worker) with nothing to do; queries/s is what it still sends. Startup: `npm start` (the example app on PGlite) as a real process, spawn to its ready banner; first = a new checkout (new data folder, empty caches), fresh = a new data folder, warm = the same folder again. App: the example app started with `npm start` (PostgreSQL or embedded PGlite) while autocannon POSTs /orders on `conc.` connections; p50/p99 of the 201s, tasks/s = orders whose task completed per second (load start → last completion), steps/s = 5 per order, queries/task column blank (transactions per order in the targets). Shape: tasks of one shape (10, 100 or 1,000 independent steps, a 1,000-way fan-out/fan-in, a 1,000-step chain) submitted by 8 clients while the worker runs at concurrency 32, about the same number of steps for each shape; steps/s over first create → last completion (the median of the rounds), compared with the 10-step shape's. decision6 / linear6: a decision choosing one of two 3-step branches before a deferred convergence step, against a 6-step chain (the same steps run), latency and throughput at concurrency 32 on the same engine, compared as ratios. Batch: jobs of a batchable step planning N items in batches of 100, one no-op instance per batch (parallelism 8, unlimited, or 8 with a checkpoint every 25 items), a convergence step totalling them, created by 8 clients; steps/s counts every step, items/s and instance steps/s in the targets. `pgbench` row: transactions/s in the steps/s column.",
    "",
    resultsTable(file.results),
    "",
    "## Targets and same-run ratios",
    "",
    ...findings.map(findingLine),
    ...(file.notes.length > 0 ? ["", "## Notes", "", ...file.notes.map((n) => `- ${n}`)] : []),
    "",
    "See bench/LOG.md for what bounds each figure.",
    "",
  ].join("\n");
}
