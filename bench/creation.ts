// Creating tasks (issue #22): how many linear5 tasks per second the engine creates with its
// workers idle, through POST /v1/tasks (real HTTP on loopback), the in-process client, and in
// batches (createTasks, and POST /v1/tasks/batch). "Idle": the engine runs its orchestrator and a
// worker, but the tasks are created in a namespace no worker serves (bench/templates/
// linear5-unserved.yaml), so no handler runs and nothing is claimed at creation: a creation is
// measured alone, with its root step enqueued and its queue woken, as an API server in front of
// busy or remote workers does it. The kinds run in turn, round after round, so the machine's noise
// falls on all of them alike; each figure is the median round's.
import { Agent, request } from "node:http";
import type { Logger } from "@tasker-ts/tasker";
import type { TaskRequest } from "@tasker-ts/tasker/client";
import type pg from "pg";
import { backendCpu, cpuSpent } from "./app-load.js";
import type { Finding } from "./compare.js";
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
  cpuMs: number;
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
  const newAgent = () => new Agent({ keepAlive: true, maxSockets: CREATION_CLIENTS });
  let agent = newAgent();
  try {
    const url = new URL(await engine.serverUrl());
    const post = (path: string, body: unknown) => postJson(agent, url, path, body);
    const batch = Array.from({ length: opts.batchSize }, () => UNSERVED);
    const create: Record<CreationKind, () => Promise<number>> = {
      "in-process": async () => {
        await engine.tasker.client.createTask(UNSERVED);
        return 1;
      },
      http: async () => {
        await post("/v1/tasks", UNSERVED);
        return 1;
      },
      batch: async () => (await engine.tasker.client.createTasks(batch)).tasks.length,
      "http-batch": async () => {
        await post("/v1/tasks/batch", { tasks: batch });
        return opts.batchSize;
      },
    };
    // The database's own CPU, from its backends' /proc entries (PostgreSQL on this machine).
    const query = (async (text: string, values?: unknown[]) => ({
      rows: await engine.tasker.database.query(text, values),
    })) as unknown as <R extends pg.QueryResultRow>(t: string, v?: unknown[]) => Promise<pg.QueryResult<R>>;
    const dbCpu = async () =>
      backend === "postgres" ? backendCpu(query, (await currentDatabase(engine)) ?? "") : null;

    const measure = async (kind: CreationKind): Promise<Round> => {
      const batched = kind === "batch" || kind === "http-batch";
      const calls = batched ? opts.batches : opts.creates;
      // New connections each round: the server closes those left idle while other kinds ran.
      agent.destroy();
      agent = newAgent();
      const callers = batched ? BATCH_CALLERS : CREATION_CLIENTS;
      let left = calls;
      let tasks = 0;
      const callMs: number[] = [];
      engine.trace.reset();
      const cpu0 = process.cpuUsage();
      const db0 = await dbCpu();
      const t0 = performance.now();
      await Promise.all(
        Array.from({ length: callers }, async () => {
          while (left > 0) {
            left--;
            const start = performance.now();
            const created = await create[kind]();
            tasks += created;
            callMs.push(performance.now() - start);
          }
        }),
      );
      const ms = performance.now() - t0;
      const cpu = process.cpuUsage(cpu0);
      return {
        tasks,
        ms,
        cpuMs: (cpu.user + cpu.system) / 1000,
        dbCpuMs: cpuSpent(db0, await dbCpu()),
        calls: callMs,
        queries: engine.trace.totalCalls(),
        roundTrips: engine.trace.roundTrips,
      };
    };

    // Warm-up: V8 and the statements' plans, for every kind.
    for (const kind of CREATION_KINDS) {
      const n = kind === "batch" || kind === "http-batch" ? 1 : Math.min(200, opts.creates);
      for (let i = 0; i < n; i++) await create[kind]();
    }
    const rounds = new Map<CreationKind, Round[]>(CREATION_KINDS.map((k) => [k, []]));
    for (let r = 0; r < opts.rounds; r++) {
      const order = r % 2 === 0 ? CREATION_KINDS : [...CREATION_KINDS].reverse();
      for (const kind of order) rounds.get(kind)?.push(await measure(kind));
    }
    return CREATION_KINDS.map((kind) => {
      const result = creationResult(backend, kind, rounds.get(kind) ?? [], opts);
      say(
        `[${backend}] create ${kind}: ${result.tasks_per_s} tasks/s (rounds ${result.steps_per_s_rounds?.join(" / ")}), call p50 ${result.p50_ms} ms, CPU ${result.cpu_ms_per_task} ms/task${result.db_cpu_ms_per_task === null ? "" : `, database CPU ${result.db_cpu_ms_per_task} ms/task`}, ${result.round_trips_per_task} round trips/task`,
      );
      return result;
    });
  } finally {
    agent.destroy();
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

/** POSTs JSON over a kept-alive connection; anything but 200/201 is an error naming the answer. */
function postJson(agent: Agent, url: URL, path: string, body: unknown): Promise<void> {
  const text = JSON.stringify(body);
  return new Promise<void>((resolve, reject) => {
    const req = request(
      {
        agent,
        host: url.hostname,
        port: url.port,
        path,
        method: "POST",
        headers: { "content-type": "application/json", "content-length": Buffer.byteLength(text) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => {
          if (res.statusCode === 200 || res.statusCode === 201) resolve();
          else
            reject(
              new Error(
                `POST ${path} answered ${res.statusCode}: ${Buffer.concat(chunks).toString().slice(0, 300)}`,
              ),
            );
        });
      },
    );
    req.on("error", reject);
    req.end(text);
  });
}
