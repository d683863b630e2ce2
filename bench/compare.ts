import { batchFindings } from "./batch.js";
import { creationFindings } from "./creation.js";
import { decisionFindings } from "./decision.js";
import type { Transport } from "./options.js";
import { type BenchResult, WORKFLOWS, type Workflow } from "./results.js";
import { shapeFindings } from "./shapes.js";
import { medianRound, pairedRatio, ratio, round } from "./stats.js";

/** One figure the issue asks about, with its target when it has one. */
export interface Finding {
  label: string;
  value: number | null;
  unit: "ms" | "steps/s" | "items/s" | "orders/s" | "tasks/s" | "transactions" | "×";
  /** e.g. "≤ 10 ms"; absent for plain comparisons. */
  target?: string;
  /** true/false against the target; null when it could not be measured. */
  met?: boolean | null;
}

/** The engine with its default transport (its queue tables), which the targets are about. */
const isTaskerLatency = (
  r: BenchResult,
  backend: string,
  workflow: Workflow,
  history: boolean,
  transport: Transport = "postgres",
) =>
  r.system === "tasker" &&
  r.worker === "in-process" &&
  r.transport === transport &&
  r.mode === "latency" &&
  r.backend === backend &&
  r.workflow === workflow &&
  (history ? r.history_tasks > 0 : r.history_tasks === 0);

function atMost(value: number | null, limit: number): boolean | null {
  return value === null ? null : value <= limit;
}

/**
 * The issue's targets and the ratios against the baselines measured in the same run. Pure: it
 * reads results, so the same findings can be recomputed from any saved results file.
 */
export function compareResults(results: readonly BenchResult[]): Finding[] {
  const findings: Finding[] = [];
  const find = (pred: (r: BenchResult) => boolean) => results.find(pred);

  for (const [backend, limit] of [
    ["postgres", 10],
    ["pglite", 5],
  ] as const) {
    const r = find((x) => isTaskerLatency(x, backend, "linear5", false));
    if (!r) continue;
    findings.push({
      label: `linear5 p50 latency on ${backend}`,
      value: r.p50_ms,
      unit: "ms",
      target: `≤ ${limit} ms`,
      met: atMost(r.p50_ms, limit),
    });
  }

  const throughput = (system: BenchResult["system"], backend: string, transport: Transport = "postgres") =>
    results.filter(
      (r) =>
        r.system === system &&
        r.backend === backend &&
        r.mode === "throughput" &&
        // The decision part's throughput rows (decision6, linear6) have their own findings.
        r.workflow === "linear5" &&
        (system !== "tasker" || (r.transport === transport && r.worker === "in-process")),
    );
  const best = (rs: BenchResult[]) =>
    rs.reduce<BenchResult | undefined>(
      (a, b) => ((b.steps_per_s ?? 0) > (a?.steps_per_s ?? -1) ? b : a),
      undefined,
    );
  const bestPostgres = best(throughput("tasker", "postgres"));
  if (bestPostgres) {
    findings.push({
      label: `throughput on postgres (best: concurrency ${bestPostgres.concurrency})`,
      value: bestPostgres.steps_per_s,
      unit: "steps/s",
      target: "≥ 1000 steps/s",
      met: bestPostgres.steps_per_s === null ? null : bestPostgres.steps_per_s >= 1000,
    });
  }
  const bestPglite = best(throughput("tasker", "pglite"));
  if (bestPglite) {
    findings.push({
      label: `throughput on pglite (best: concurrency ${bestPglite.concurrency})`,
      value: bestPglite.steps_per_s,
      unit: "steps/s",
    });
  }

  // Wide and long tasks against the 10-step one (bench/shapes.ts).
  findings.push(...shapeFindings(results));
  // Creating tasks with the workers idle, one at a time and in batches (bench/creation.ts).
  findings.push(...creationFindings(results));
  // Steps created at run time: a decision against its static twin, batch jobs (issue #27).
  findings.push(...decisionFindings(results));
  findings.push(...batchFindings(results));

  for (const r of results.filter(
    (x) =>
      x.system === "tasker" &&
      x.worker === "in-process" &&
      x.transport === "postgres" &&
      x.mode === "latency" &&
      x.history_tasks > 0,
  )) {
    const empty = find((x) => isTaskerLatency(x, r.backend, r.workflow as Workflow, false));
    const value = ratio(r.p50_ms, empty?.p50_ms);
    findings.push({
      label: `${r.workflow} p50 with ${r.history_tasks.toLocaleString("en-US")} finished tasks ÷ empty, ${r.backend}`,
      value,
      unit: "×",
      target: "≤ 1.2×",
      met: atMost(value, 1.2),
    });
  }

  const graphileLatency = find((r) => r.system === "graphile-worker" && r.mode === "latency");
  const ourLatency = find((r) => isTaskerLatency(r, "postgres", "linear5", false));
  if (graphileLatency && ourLatency) {
    const value = ratio(ourLatency.p50_ms, graphileLatency.p50_ms);
    findings.push({
      label: "linear5 p50 latency, tasker ÷ graphile-worker (postgres)",
      value,
      unit: "×",
      target: `≤ ${SMALL_TASK_TARGETS.latencyVsGraphile}×`,
      met: atMost(value, SMALL_TASK_TARGETS.latencyVsGraphile),
    });
  }
  for (const g of throughput("graphile-worker", "postgres")) {
    const ours = throughput("tasker", "postgres").find((r) => r.concurrency === g.concurrency);
    if (!ours) continue;
    findings.push({
      label: `steps/s at concurrency ${g.concurrency}, tasker ÷ graphile-worker (postgres)`,
      value: ratio(ours.steps_per_s, g.steps_per_s),
      unit: "×",
    });
  }
  // The RabbitMQ transport against the queue tables, both engines on the same PostgreSQL server.
  for (const workflow of WORKFLOWS) {
    const rabbit = find((r) => isTaskerLatency(r, "postgres", workflow, false, "rabbitmq"));
    const tables = find((r) => isTaskerLatency(r, "postgres", workflow, false));
    if (!rabbit || !tables) continue;
    findings.push({
      label: `${workflow} p50 latency, rabbitmq ÷ postgres transport`,
      value: ratio(rabbit.p50_ms, tables.p50_ms),
      unit: "×",
    });
    if (workflow === "linear5") {
      findings.push({
        label: "linear5 statements per task sent to PostgreSQL, rabbitmq ÷ postgres transport",
        value: ratio(rabbit.queries_per_task, tables.queries_per_task),
        unit: "×",
      });
    }
  }
  const idle = (transport: Transport) =>
    find(
      (r) =>
        r.system === "tasker" && r.backend === "postgres" && r.mode === "idle" && r.transport === transport,
    );
  const idleRabbit = idle("rabbitmq");
  const idleTables = idle("postgres");
  if (idleRabbit && idleTables) {
    findings.push({
      label: "idle statements/s sent to PostgreSQL, rabbitmq ÷ postgres transport",
      value: ratio(idleRabbit.queries_per_s, idleTables.queries_per_s),
      unit: "×",
    });
  }
  for (const rabbit of throughput("tasker", "postgres", "rabbitmq")) {
    const tables = throughput("tasker", "postgres").find((r) => r.concurrency === rabbit.concurrency);
    if (!tables) continue;
    findings.push({
      label: `steps/s at concurrency ${rabbit.concurrency}, rabbitmq ÷ postgres transport`,
      value: ratio(rabbit.steps_per_s, tables.steps_per_s),
      unit: "×",
    });
  }

  // Workers over the worker protocol against the in-process worker, same engine, same run.
  const remoteWorkers = [...new Set(results.filter((r) => r.worker !== "in-process").map((r) => r.worker))];
  for (const worker of remoteWorkers) {
    const remote = find(
      (r) =>
        r.worker === worker && r.mode === "latency" && r.backend === "postgres" && r.workflow === "linear5",
    );
    if (remote && ourLatency) {
      const value = ratio(remote.p50_ms, ourLatency.p50_ms);
      findings.push({
        label: `linear5 p50 latency, ${worker} worker ÷ in-process worker (postgres)`,
        value,
        unit: "×",
        target: "≤ 1.5×",
        met: atMost(value, 1.5),
      });
    }
    for (const r of results.filter((x) => x.worker === worker && x.mode === "throughput")) {
      const inProcess = throughput("tasker", "postgres").find((x) => x.concurrency === r.concurrency);
      findings.push({
        label: `steps/s at concurrency ${r.concurrency}, ${worker} worker (postgres)`,
        value: r.steps_per_s,
        unit: "steps/s",
        target: "≥ 1000 steps/s",
        met: r.steps_per_s === null ? null : r.steps_per_s >= 1000,
      });
      if (inProcess) {
        findings.push({
          label: `steps/s at concurrency ${r.concurrency}, ${worker} worker ÷ in-process worker (postgres)`,
          value: ratio(r.steps_per_s, inProcess.steps_per_s),
          unit: "×",
        });
      }
    }
  }

  // `npm start` to its ready banner (bench/startup.ts): warm within 3 s; the others reported.
  for (const start of ["warm", "fresh", "first"] as const) {
    const r = find((x) => x.mode === "startup" && x.startup === start);
    if (!r) continue;
    findings.push({
      label: `npm start to the ready banner, ${start === "warm" ? "warm (same data folder)" : start === "fresh" ? "new data folder" : "first run (new checkout)"}, p50`,
      value: r.p50_ms,
      unit: "ms",
      ...(start === "warm" ? { target: "≤ 3000 ms", met: atMost(r.p50_ms, 3000) } : {}),
    });
    if (r.cpu_ms !== null) {
      findings.push({
        label: `npm start, ${start}: CPU time until ready (median)`,
        value: r.cpu_ms,
        unit: "ms",
      });
    }
  }

  const pgbench = find((r) => r.system === "pgbench");
  findings.push(...appFindings(results, pgbench));
  const at32 = throughput("tasker", "postgres").find((r) => r.concurrency === 32);
  if (pgbench && at32) {
    const value = ratio(at32.steps_per_s, pgbench.transactions_per_s);
    findings.push({
      label: "postgres steps/s at concurrency 32 ÷ pgbench simple-update transactions/s (8 clients)",
      value,
      unit: "×",
      target: `≥ ${SMALL_TASK_TARGETS.throughputVsPgbench}×`,
      met: value === null ? null : value >= SMALL_TASK_TARGETS.throughputVsPgbench,
    });
  }
  return findings.map((f) => ({ ...f, value: f.value === null ? null : round(f.value, 3) }));
}

/**
 * Small tasks against the baselines of the same run (issue #22): linear5's p50 at most this share
 * of graphile-worker's, and steps/s at concurrency 32 at least this share of pgbench's
 * simple-update transactions/s.
 */
export const SMALL_TASK_TARGETS = { latencyVsGraphile: 0.5, throughputVsPgbench: 0.5 } as const;

/**
 * The app's transactions/s and pgbench's in each round: its orders/s times its transactions per
 * order, its own in that round where it counted them (PostgreSQL), else `cost` (a property of the
 * code, not of the machine's drift). null for an older file or without a pgbench run each round.
 */
function roundsAgainstPgbench(
  r: BenchResult,
  cost: number | null,
): { transactions: number[]; pgbench: number[] } | null {
  const orders = r.tasks_per_s_rounds;
  const pgbench = r.pgbench_transactions_per_s_rounds;
  if (!orders || !pgbench || orders.length === 0 || pgbench.length !== orders.length) return null;
  const own =
    r.transactions_per_task_rounds?.length === orders.length ? r.transactions_per_task_rounds : null;
  if (!own && cost === null) return null;
  return { transactions: orders.map((o, i) => o * (own?.[i] ?? (cost as number))), pgbench };
}

const roundsNote = (n: number) =>
  n === 1
    ? "; against the pgbench run before it"
    : `; the median of ${n} rounds' ratios, each against its round's pgbench run; the ceiling shown is their median`;

/** The least share of the machine's ceiling the example app must reach, per backend (issue #22). */
export const APP_TARGETS = { postgres: 0.8, pglite: 0.6 } as const;

/**
 * The example app under load (bench/app-load.ts): completed orders/s, and that as a fraction of
 * the machine's ceiling for it, pgbench's transactions/s divided by the transactions one order
 * needs. The transactions are counted on PostgreSQL; embedded, where the bench cannot read
 * PGlite's statistics, the same app and engine code's PostgreSQL count stands for it.
 */
function appFindings(results: readonly BenchResult[], pgbench: BenchResult | undefined): Finding[] {
  const findings: Finding[] = [];
  const app = (backend: string) => results.find((r) => r.mode === "app" && r.backend === backend);
  const measuredCost = app("postgres")?.transactions_per_task ?? null;
  for (const backend of ["postgres", "pglite"] as const) {
    const r = app(backend);
    if (!r) continue;
    findings.push({
      label: `app on ${backend}: completed orders/s (${r.concurrency} connections; POST /orders p50 ${r.p50_ms} ms, p99 ${r.p99_ms} ms)`,
      value: r.tasks_per_s,
      unit: "orders/s",
    });
    const cost = r.transactions_per_task ?? measuredCost;
    if (cost !== null) {
      findings.push({
        label: `app on ${backend}: transactions per order${r.transactions_per_task === null ? " (PostgreSQL's count)" : ""}`,
        value: cost,
        unit: "transactions",
      });
    }
    const rounds = roundsAgainstPgbench(r, cost);
    const pgbenchTps = rounds ? medianRound(rounds.pgbench, (x) => x) : (pgbench?.transactions_per_s ?? null);
    const ceiling = pgbenchTps && cost ? pgbenchTps / cost : null;
    const value = rounds ? pairedRatio(rounds.transactions, rounds.pgbench) : ratio(r.tasks_per_s, ceiling);
    findings.push({
      label: `app on ${backend}: orders/s ÷ ceiling (pgbench transactions/s ÷ transactions per order${ceiling === null ? "" : ` = ${Math.round(ceiling)} orders/s`}${rounds ? roundsNote(rounds.pgbench.length) : ""})`,
      value,
      unit: "×",
      target: `≥ ${APP_TARGETS[backend]}×`,
      met: value === null ? null : value >= APP_TARGETS[backend],
    });
  }
  return findings;
}
