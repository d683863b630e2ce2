// Creating tasks (issue #22): how many linear5 tasks per second the engine creates with its
// workers idle, through POST /v1/tasks (real HTTP on loopback), the in-process client, and in
// batches (createTasks, and POST /v1/tasks/batch). "Idle": the engine runs its orchestrator and a
// worker, but the tasks are created in a namespace no worker serves (bench/templates/
// linear5-unserved.yaml), so no handler runs and nothing is claimed at creation: a creation is
// measured alone, with its root step enqueued and its queue woken, as an API server in front of
// busy or remote workers does it. The kinds run in turn, round after round, so the machine's noise
// falls on all of them alike; each figure is the median round's. The HTTP kinds' clients run in a
// process of their own (bench/http-load.ts), as a user's load generator would: the CPU per task is
// then the server's alone (the load generator's is said beside it).
import type { Logger } from "@tasker-ts/tasker";
import type { TaskRequest } from "@tasker-ts/tasker/client";
import type pg from "pg";
import { backendCpu, cpuSpent } from "./app-load.js";
import type { Finding } from "./compare.js";
import { HttpLoad } from "./http-load.js";
import type { Backend } from "./options.js";
import { type BenchResult, emptyResult } from "./results.js";
import { percentile, round } from "./stats.js";
import { BenchEngine } from "./tasker-engine.js";

export const CREATION_KINDS = ["in-process", "http", "batch", "http-batch"] as const;
export type CreationKind = (typeof CREATION_KINDS)[number];
/** Callers creating at once, one task per call (a busy API; the throughput part's creators). */
export const CREATION_CLIENTS = 8;
/** Batch calls under way at once: one's tasks are planned while the other's statement runs. */
export const BATCH_CALLERS = 2;
/** The template of the created tasks: linear5 in a namespace no worker serves. */
const UNSERVED: TaskRequest = { namespace: "bench_unserved", name: "linear5" };
/** The issue's targets, on PostgreSQL: creates/s one at a time, and tasks/s in batches. */
export const CREATION_TARGETS = { single: 1000, batch: 10_000 } as const;

export interface CreationOptions {
  /** Tasks created one per call by each single-task kind, per round. */
  creates: number;
  /** Batches per round and tasks per batch. */
  batches: number;
  batchSize: number;
  rounds: number;
}

interface Round {
  tasks: number;
  ms: number;
  /** This process's: the engine, and for the HTTP kinds the server. */
  cpuMs: number;
  /** The HTTP load generator's (its own process); 0 for the in-process kinds. */
  clientCpuMs: number;
  dbCpuMs: number | null;
  calls: number[];
  queries: number;
  roundTrips: number;
}

/** Every creation kind on a fresh engine of `backend`; one result per kind. */
export async function benchCreation(
  backend: Backend,
  opts: CreationOptions,
  logger: Logger,
  say: (line: string) => void,
): Promise<BenchResult[]> {
  const engine = await BenchEngine.open(backend, logger);
  const load = HttpLoad.start();
  try {
    const url = await engine.serverUrl();
    const batch = Array.from({ length: opts.batchSize }, () => UNSERVED);
    const inProcess = {
      "in-process": async () => {
        await engine.tasker.client.createTask(UNSERVED);
        return 1;
      },
      batch: async () => (await engine.tasker.client.createTasks(batch)).tasks.length,
    };
    const overHttp = {
      http: { path: "/v1/tasks", body: UNSERVED, tasks: 1 },
      "http-batch": { path: "/v1/tasks/batch", body: { tasks: batch }, tasks: opts.batchSize },
    };
    /** `calls` calls of `kind` by `callers` at once: tasks created, wall time, each call's time. */
    const callsOf = async (kind: CreationKind, calls: number, callers: number) => {
      if (kind === "http" || kind === "http-batch") {
        const { path, body, tasks } = overHttp[kind];
        const r = await load.run({ url: `${url}${path}`, body, calls, callers });
        return { tasks: calls * tasks, ms: r.ms, callMs: r.callMs, clientCpuMs: r.cpuMs };
      }
      let left = calls;
      let tasks = 0;
      const callMs: number[] = [];
      const t0 = performance.now();
      await Promise.all(
        Array.from({ length: callers }, async () => {
          while (left > 0) {
            left--;
            const start = performance.now();
            const created = await inProcess[kind]();
            tasks += created;
            callMs.push(performance.now() - start);
          }
        }),
      );
      return { tasks, ms: performance.now() - t0, callMs, clientCpuMs: 0 };
    };
    // The database's own CPU, from its backends' /proc entries (PostgreSQL on this machine).
    const query = (async (text: string, values?: unknown[]) => ({
      rows: await engine.tasker.database.query(text, values),
    })) as unknown as <R extends pg.QueryResultRow>(t: string, v?: unknown[]) => Promise<pg.QueryResult<R>>;
    const dbCpu = async () =>
      backend === "postgres" ? backendCpu(query, (await currentDatabase(engine)) ?? "") : null;

    const measure = async (kind: CreationKind): Promise<Round> => {
      const batched = kind === "batch" || kind === "http-batch";
      engine.trace.reset();
      const cpu0 = process.cpuUsage();
      const db0 = await dbCpu();
      const r = await callsOf(
        kind,
        batched ? opts.batches : opts.creates,
        batched ? BATCH_CALLERS : CREATION_CLIENTS,
      );
      const cpu = process.cpuUsage(cpu0);
      return {
        tasks: r.tasks,
        ms: r.ms,
        cpuMs: (cpu.user + cpu.system) / 1000,
        clientCpuMs: r.clientCpuMs,
        dbCpuMs: cpuSpent(db0, await dbCpu()),
        calls: r.callMs,
        queries: engine.trace.totalCalls(),
        roundTrips: engine.trace.roundTrips,
      };
    };

    // Warm-up: V8 and the statements' plans, for every kind, one call at a time.
    for (const kind of CREATION_KINDS) {
      const batched = kind === "batch" || kind === "http-batch";
      await callsOf(kind, batched ? 1 : Math.min(200, opts.creates), 1);
    }
    const rounds = new Map<CreationKind, Round[]>(CREATION_KINDS.map((k) => [k, []]));
    for (let r = 0; r < opts.rounds; r++) {
      const order = r % 2 === 0 ? CREATION_KINDS : [...CREATION_KINDS].reverse();
      for (const kind of order) rounds.get(kind)?.push(await measure(kind));
    }
    return CREATION_KINDS.map((kind) => {
      const result = creationResult(backend, kind, rounds.get(kind) ?? [], opts);
      const kindRounds = rounds.get(kind) ?? [];
      const clientCpu = kindRounds.reduce((n, r) => n + r.clientCpuMs, 0) / Math.max(1, result.runs);
      say(
        `[${backend}] create ${kind}: ${result.tasks_per_s} tasks/s (rounds ${result.steps_per_s_rounds?.join(" / ")}), call p50 ${result.p50_ms} ms, CPU ${result.cpu_ms_per_task} ms/task${kind.startsWith("http") ? ` (the load generator's ${clientCpu.toFixed(3)} ms/task besides)` : ""}${result.db_cpu_ms_per_task === null ? "" : `, database CPU ${result.db_cpu_ms_per_task} ms/task`}, ${result.round_trips_per_task} round trips/task`,
      );
      return result;
    });
  } finally {
    load.stop();
    await engine.close();
  }
}

/** One kind's figures: the median round's tasks/s, CPU per task over all rounds. */
function creationResult(
  backend: Backend,
  kind: CreationKind,
  rounds: Round[],
  opts: CreationOptions,
): BenchResult {
  const perS = rounds.map((r) => (r.tasks / r.ms) * 1000);
  const tasks = rounds.reduce((n, r) => n + r.tasks, 0);
  const sum = (f: (r: Round) => number) => rounds.reduce((n, r) => n + f(r), 0);
  const calls = rounds.flatMap((r) => r.calls);
  const batched = kind === "batch" || kind === "http-batch";
  return {
    ...emptyResult({
      system: "tasker",
      backend,
      transport: "postgres",
      workflow: "linear5",
      mode: "creation",
      concurrency: batched ? BATCH_CALLERS : CREATION_CLIENTS,
      runs: Math.max(1, tasks),
    }),
    creation: kind,
    batch_size: batched ? opts.batchSize : null,
    tasks_per_s: round(percentile(perS, 50), 1),
    steps_per_s_rounds: perS.map((x) => round(x, 0)),
    p50_ms: round(percentile(calls, 50), 2),
    p95_ms: round(percentile(calls, 95), 2),
    p99_ms: round(percentile(calls, 99), 2),
    duration_ms: round(
      sum((r) => r.ms),
      0,
    ),
    cpu_ms_per_task: round(sum((r) => r.cpuMs) / tasks, 3),
    db_cpu_ms_per_task: rounds.some((r) => r.dbCpuMs === null)
      ? null
      : round(sum((r) => r.dbCpuMs ?? 0) / tasks, 3),
    queries_per_task: round(sum((r) => r.queries) / tasks, 2),
    round_trips_per_task: round(sum((r) => r.roundTrips) / tasks, 2),
  };
}

/** The creation figures against the issue's targets (PostgreSQL); PGlite's are reported. */
export function creationFindings(results: readonly BenchResult[]): Finding[] {
  const findings: Finding[] = [];
  for (const r of results.filter((x) => x.mode === "creation" && x.creation !== null)) {
    const batched = r.creation === "batch" || r.creation === "http-batch";
    const target = batched ? CREATION_TARGETS.batch : CREATION_TARGETS.single;
    const what = {
      "in-process": "in-process createTask",
      http: "POST /v1/tasks",
      batch: `createTasks, ${r.batch_size} a call`,
      "http-batch": `POST /v1/tasks/batch, ${r.batch_size} a call`,
    }[r.creation as CreationKind];
    findings.push({
      label: `creating linear5 tasks on ${r.backend}, ${what} (${r.concurrency} at once)`,
      value: r.tasks_per_s,
      unit: "tasks/s",
      ...(r.backend === "postgres"
        ? { target: `≥ ${target} tasks/s`, met: r.tasks_per_s === null ? null : r.tasks_per_s >= target }
        : {}),
    });
    if (r.backend === "postgres" && r.tasks_per_s !== null) {
      findings.push({ label: `  ${what} on postgres ÷ target`, value: r.tasks_per_s / target, unit: "×" });
    }
  }
  return findings;
}

async function currentDatabase(engine: BenchEngine): Promise<string | undefined> {
  const [row] = await engine.tasker.database.query<{ name: string }>("SELECT current_database() AS name");
  return row?.name;
}
