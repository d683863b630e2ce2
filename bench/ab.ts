// Paired A/B of engines (investigation, not part of `npm run bench`): the engines of several
// checkouts (a worktree of another commit, and this one) in one process, each on its own database,
// on PGlite or PostgreSQL, sampled in turn so that the load of a shared machine falls on all of
// them alike. What pglite-ab.ts does for PGlite's backend time, for the bench's figures:
//   latency     linear5 one task at a time, alternated (ABAB, then BABA): p25 / p50, and this
//               process's CPU time per task (the engine's JavaScript, and PGlite's WASM), which
//               waiting for a loaded machine does not inflate
//   throughput  --tasks linear5 tasks in flight (8 creators), rounds alternated: steps/s, and
//               this process's CPU time per task
//   shapes      the wide and long shapes (shapes.ts), rounds alternated: steps/s, and the CPU
//               time per step of this process and (PostgreSQL) the server
//   creation    --creates linear5 tasks into a namespace no worker serves (the creation part's
//               in-process and http kinds, 8 callers; the HTTP clients in a process of their own),
//               rounds alternated: creates/s, and the CPU time per create of this process (the
//               engine, and the server) and (PostgreSQL) the database; --creation-kinds adds the
//               batch kinds (batch, http-batch: --batch-size tasks a call, 2 callers)
// Usage (a checkout of the commit to compare with made by bench/snapshot.sh):
//   bench/snapshot.sh HEAD~1 /tmp/base
//   npx tsx bench/ab.ts --backend postgres --modes latency,throughput \
//     --configs '[{"name":"base","engine":"/tmp/base"},{"name":"now"}]'
// Each figure is reported per contender with its ratio to the first contender's, and for rounds the
// median of the rounds' ratios (each round's contenders ran back to back). A configuration's
// `migrated`: SQL run once its engine has migrated its database (a schema change to try).
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import type { Database, Tasker } from "@tasker-ts/tasker";
import * as thisEngine from "@tasker-ts/tasker";
import { createTestDatabase, type TestDatabase } from "@tasker-ts/tasker/testing";
import { z } from "zod";
import { CompletionTracker } from "./completion-tracker.js";
import { BATCH_CALLERS, CREATION_CLIENTS, CREATION_KINDS, type CreationKind } from "./creation.js";
import { HttpLoad } from "./http-load.js";
import { measureThroughput } from "./measure.js";
import { count } from "./options.js";
import { RUN_TIME_HANDLERS } from "./run-time-handlers.js";
import { runShape, SHAPES, type Shape, shapeTasks, shapeTemplateDir, stepsPerTask } from "./shapes.js";
import { percentile } from "./stats.js";
import { BENCH_NAMESPACE, TEMPLATE_DIR, trackTaskOutcomes } from "./tasker-engine.js";

const ConfigSchema = z.object({
  name: z.string(),
  engine: z.string().optional(),
  migrated: z.string().optional(),
  /** The worker's writes under way at once (its default when absent). */
  writeConcurrency: z.number().int().min(1).optional(),
});
const { values } = parseArgs({
  options: {
    backend: { type: "string" },
    modes: { type: "string" },
    configs: { type: "string" },
    runs: { type: "string" },
    warmup: { type: "string" },
    tasks: { type: "string" },
    rounds: { type: "string" },
    concurrency: { type: "string" },
    shapes: { type: "string" },
    "shape-steps": { type: "string" },
    creates: { type: "string" },
    "creation-kinds": { type: "string" },
    "batch-size": { type: "string" },
  },
});
const backend = values.backend ?? "postgres";
if (backend !== "postgres" && backend !== "pglite") throw new Error("--backend is postgres or pglite");
const modes = (values.modes ?? "latency,throughput").split(",");
const runs = count(values.runs ?? "200", "--runs", 1);
const warmup = count(values.warmup ?? "100", "--warmup", 0);
const tasks = count(values.tasks ?? "500", "--tasks", 1);
const rounds = count(values.rounds ?? "3", "--rounds", 1);
const concurrency = count(values.concurrency ?? "32", "--concurrency", 1);
const shapeSteps = count(values["shape-steps"] ?? "2000", "--shape-steps", 1);
const creates = count(values.creates ?? "2000", "--creates", 1);
const creationKinds = (values["creation-kinds"]?.split(",") ?? ["in-process", "http"]) as CreationKind[];
for (const k of creationKinds) if (!CREATION_KINDS.includes(k)) throw new Error(`unknown creation kind ${k}`);
const batchSize = count(values["batch-size"] ?? "1000", "--batch-size", 1);
const shapes = (values.shapes?.split(",") ?? [...SHAPES]) as Shape[];
const configs = z
  .array(ConfigSchema)
  .min(1)
  .parse(JSON.parse(values.configs ?? '[{"name":"a"},{"name":"a again"}]'));

interface Contender {
  name: string;
  tasker: Tasker;
  database: Database;
  /** PostgreSQL's processes serving this contender's database (see serverCpu). */
  serverPids: number[];
  tracker: CompletionTracker;
  createNamed(name: string): Promise<string>;
  /** The contender's orchestration API on loopback (started on first use). */
  serverUrl(): Promise<string>;
  close(): Promise<void>;
}

const logger = thisEngine.createLogger({ level: "warn", name: "ab" });
/** The engine of a configuration: this checkout's, or the one at `engine`. */
async function engineOf(checkout: string | undefined): Promise<typeof thisEngine> {
  if (!checkout) return thisEngine;
  const entry = pathToFileURL(join(resolve(checkout), "packages/tasker/src/index.ts")).href;
  return (await import(entry)) as typeof thisEngine;
}

/** The orchestration API module of a configuration's engine. */
async function apiOf(checkout: string | undefined): Promise<typeof import("@tasker-ts/tasker/api")> {
  if (!checkout) return import("@tasker-ts/tasker/api");
  return import(pathToFileURL(join(resolve(checkout), "packages/tasker/src/api/index.ts")).href);
}

async function open(cfg: z.output<typeof ConfigSchema>): Promise<Contender> {
  const engine = await engineOf(cfg.engine);
  let testDb: TestDatabase | undefined;
  let dir: string | undefined;
  if (backend === "postgres") testDb = await createTestDatabase("tasker_ab");
  else dir = mkdtempSync(join(tmpdir(), "tasker-ab-"));
  const database = await engine.openDatabase({ databaseUrl: testDb?.url, dataDir: dir, logger });
  const tasker = await engine.Tasker.open({
    database,
    templatePaths: [TEMPLATE_DIR, shapeTemplateDir()],
    logger,
    messaging: "postgres",
  });
  if (cfg.migrated) await database.exec(cfg.migrated);
  const tracker = new CompletionTracker();
  trackTaskOutcomes(tasker, tracker);
  await tasker.events.ready();
  await tasker.startOrchestrator();
  const noop = engine.defineHandler("bench.noop", {}, async () => ({ ok: true }));
  // The bench namespace's run-time workflows need theirs (plain objects: any engine registers them).
  await tasker.startWorker({
    handlers: [noop, ...RUN_TIME_HANDLERS],
    namespaces: [BENCH_NAMESPACE],
    concurrency,
    ...(cfg.writeConcurrency ? { writeConcurrency: cfg.writeConcurrency } : {}),
  });
  let server: { url: string; close(): Promise<void> } | undefined;
  return {
    name: cfg.name,
    tasker,
    database,
    serverPids: [],
    tracker,
    createNamed: async (name) =>
      (await tasker.client.createTask({ namespace: BENCH_NAMESPACE, name })).task.task_uuid,
    serverUrl: async () => {
      server ??= await (await apiOf(cfg.engine)).startOrchestrationServer({
        tasker,
        port: 0,
        hostname: "127.0.0.1",
        auth: { enabled: false },
        logger,
      });
      return server.url;
    },
    close: async () => {
      await server?.close();
      await tasker.close();
      await database.close();
      await testDb?.drop();
      if (dir) rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * CPU time (ns) each of PostgreSQL's processes serving a contender's database has used so far, from
 * /proc/<pid>/schedstat: the server's side of a task, which the process's own CPU time does not
 * include. The processes are listed again between tasks (the pool may replace them).
 */
function serverCpu(c: Contender): Map<number, number> {
  const ns = new Map<number, number>();
  for (const pid of c.serverPids) {
    try {
      ns.set(pid, Number(readFileSync(`/proc/${pid}/schedstat`, "utf8").split(" ")[0]));
    } catch {
      // The process ended.
    }
  }
  return ns;
}
/**
 * The CPU time (ms) used between two readings by the processes present in both, and with
 * `started`, all of that of the processes that started in between (a pool that grew).
 */
function serverCpuMs(before: Map<number, number>, after: Map<number, number>, started = false): number {
  let ns = 0;
  for (const [pid, t] of after) ns += t - (before.get(pid) ?? (started ? 0 : t));
  return ns / 1e6;
}
async function listServerPids(c: Contender): Promise<void> {
  if (backend !== "postgres") return;
  const rows = await c.database.query<{ pid: number }>(
    "SELECT pid FROM pg_stat_activity WHERE datname = current_database()",
  );
  c.serverPids = rows.map((r) => r.pid);
}

const contenders: Contender[] = [];
for (const cfg of configs) contenders.push(await open(cfg));
const base = contenders[0] as Contender;
const inTurn = (i: number) => (i % 2 === 0 ? contenders : [...contenders].reverse());
const median = (xs: number[]) => percentile(xs, 50);
const pad = (s: string, n = 14) => s.padEnd(n);
console.log(
  `${backend}, worker concurrency ${concurrency}, contenders: ${contenders.map((c) => c.name).join(", ")}`,
);

try {
  if (modes.includes("latency")) {
    const samples = new Map(contenders.map((c) => [c.name, { ms: [] as number[], cpu: [] as number[] }]));
    const serverMs = new Map(contenders.map((c) => [c.name, 0]));
    for (let i = 0; i < warmup + runs; i++) {
      for (const c of inTurn(i)) {
        if (i % 20 === 0) await listServerPids(c);
        const server0 = serverCpu(c);
        const cpu0 = process.cpuUsage();
        const start = performance.now();
        const uuid = await c.createNamed("linear5");
        const done = await c.tracker.wait(uuid, 60_000);
        const cpu = process.cpuUsage(cpu0);
        if (!done.ok) throw new Error(`task failed: ${done.detail}`);
        if (i >= warmup) {
          serverMs.set(c.name, (serverMs.get(c.name) ?? 0) + serverCpuMs(server0, serverCpu(c)));
          samples.get(c.name)?.ms.push(done.at - start);
          samples.get(c.name)?.cpu.push((cpu.user + cpu.system) / 1000);
        }
        await new Promise((r) => setTimeout(r, 5));
      }
    }
    const b = samples.get(base.name) as { ms: number[]; cpu: number[] };
    const server = (c: Contender) => {
      const mean = (serverMs.get(c.name) ?? 0) / runs;
      return `${mean.toFixed(2)} (${(mean / ((serverMs.get(base.name) ?? 0) / runs)).toFixed(3)}x)`;
    };
    console.log(`\nlinear5 latency, ${runs} runs each after ${warmup}, alternated`);
    console.log(
      `${pad("", 20)}${pad("p25 ms", 18)}${pad("p50 ms", 18)}${pad("p90 ms", 18)}${pad("CPU p25 ms", 18)}${pad("CPU p50 ms", 18)}${backend === "postgres" ? "server CPU mean ms" : ""}`,
    );
    for (const c of contenders) {
      const xs = samples.get(c.name) as { ms: number[]; cpu: number[] };
      const cell = (k: "ms" | "cpu", p: number) =>
        pad(
          `${percentile(xs[k], p).toFixed(2)} (${(percentile(xs[k], p) / percentile(b[k], p)).toFixed(3)}x)`,
          18,
        );
      console.log(
        `${c.name.slice(0, 19).padEnd(20)}${cell("ms", 25)}${cell("ms", 50)}${cell("ms", 90)}${cell("cpu", 25)}${cell("cpu", 50)}${backend === "postgres" ? server(c) : ""}`,
      );
    }
  }

  /**
   * Rounds of `measure` per contender, alternated; prints each round and the median ratio. With
   * `perTask`, also this process's CPU time per task (or per `unit`) in each round, and on
   * PostgreSQL the server's.
   */
  async function inRounds(
    label: string,
    measure: (c: Contender) => Promise<number>,
    perTask?: number,
    unit = "task",
  ) {
    const byName = new Map(contenders.map((c) => [c.name, [] as number[]]));
    const cpuByName = new Map(contenders.map((c) => [c.name, [] as number[]]));
    const serverByName = new Map(contenders.map((c) => [c.name, [] as number[]]));
    for (let r = 0; r < rounds; r++) {
      for (const c of inTurn(r)) {
        await listServerPids(c);
        const server0 = serverCpu(c);
        const cpu0 = process.cpuUsage();
        byName.get(c.name)?.push(await measure(c));
        const cpu = process.cpuUsage(cpu0);
        if (perTask) {
          cpuByName.get(c.name)?.push((cpu.user + cpu.system) / 1000 / perTask);
          await listServerPids(c);
          serverByName.get(c.name)?.push(serverCpuMs(server0, serverCpu(c), true) / perTask);
        }
      }
    }
    const b = byName.get(base.name) as number[];
    console.log(`\n${label}: steps/s per round (alternated), median, median of the rounds' ratios`);
    for (const c of contenders) {
      const xs = byName.get(c.name) as number[];
      const ratios = xs.map((x, i) => x / (b[i] as number));
      console.log(
        `${c.name.slice(0, 19).padEnd(20)}${xs.map((x) => x.toFixed(0)).join(" / ")}  median ${median(xs).toFixed(0)}  ratio ${median(ratios).toFixed(3)}x`,
      );
    }
    if (!perTask) return;
    for (const [whose, of] of [
      ["CPU", cpuByName],
      ...(backend === "postgres" ? ([["server CPU", serverByName]] as const) : []),
    ] as const) {
      const bc = of.get(base.name) as number[];
      console.log(`${whose} ms per ${unit} per round, median, median of the rounds' ratios`);
      for (const c of contenders) {
        const xs = of.get(c.name) as number[];
        const ratios = xs.map((x, i) => x / (bc[i] as number));
        console.log(
          `${c.name.slice(0, 19).padEnd(20)}${xs.map((x) => x.toFixed(3)).join(" / ")}  median ${median(xs).toFixed(3)}  ratio ${median(ratios).toFixed(3)}x`,
        );
      }
    }
  }

  if (modes.includes("throughput")) {
    await inRounds(
      `linear5 throughput, ${tasks} tasks`,
      async (c) => {
        const run = await measureThroughput({
          tasks,
          creators: 8,
          tracker: c.tracker,
          create: () => c.createNamed("linear5"),
          timeoutMs: 600_000,
        });
        return (tasks * 5) / (run.durationMs / 1000);
      },
      tasks,
    );
  }

  if (modes.includes("creation")) {
    const load = HttpLoad.start();
    const unserved = { namespace: "bench_unserved", name: "linear5" };
    try {
      const batch = Array.from({ length: batchSize }, () => unserved);
      for (const kind of creationKinds) {
        const batched = kind === "batch" || kind === "http-batch";
        const callers = batched ? BATCH_CALLERS : CREATION_CLIENTS;
        /** `n` tasks created by `kind`'s callers (batches of --batch-size for the batch kinds); ms. */
        const createAll = async (c: Contender, n: number): Promise<number> => {
          const calls = batched ? Math.ceil(n / batchSize) : n;
          if (kind === "http" || kind === "http-batch") {
            const url = `${await c.serverUrl()}/v1/tasks${batched ? "/batch" : ""}`;
            const body = batched ? { tasks: batch } : unserved;
            return (await load.run({ url, body, calls, callers })).ms;
          }
          let left = calls;
          const t0 = performance.now();
          await Promise.all(
            Array.from({ length: callers }, async () => {
              while (left-- > 0) {
                if (batched) await c.tasker.client.createTasks(batch);
                else await c.tasker.client.createTask(unserved);
              }
            }),
          );
          return performance.now() - t0;
        };
        const tasksMade = batched ? Math.ceil(creates / batchSize) * batchSize : creates;
        for (const c of contenders) await createAll(c, Math.min(batched ? batchSize * 2 : 300, creates));
        await inRounds(
          `linear5 creation, ${kind}, ${tasksMade} tasks by ${callers} callers${batched ? ` in calls of ${batchSize}` : ""} (the figure is tasks/s)`,
          async (c) => (tasksMade / (await createAll(c, tasksMade))) * 1000,
          tasksMade,
          "create",
        );
      }
    } finally {
      load.stop();
    }
  }

  if (modes.includes("shapes")) {
    for (const shape of shapes) {
      await inRounds(
        `${shape}, ~${shapeSteps} steps`,
        async (c) => (await runShape(c, shape, shapeSteps)).stepsPerS,
        shapeTasks(shape, shapeSteps) * stepsPerTask(shape),
        "step",
      );
    }
  }
} finally {
  for (const c of contenders) await c.close();
}
