// Paired A/B of PGlite configurations in one process (investigation, not part of `npm run bench`):
// one engine per configuration, each on its own data directory, tasks run one at a time in turn
// (ABAB, then BABA), so that the load of a shared machine falls on all of them alike. Reports each
// configuration's backend (WASM) time per task at low percentiles, which preemption cannot lower,
// the process's CPU time per task (JavaScript and WASM: waits for the machine's other load do not
// count, so code changes of a few microseconds a task show) and the WAL it wrote per task. Usage:
//   npx tsx bench/pglite-ab.ts [--runs 150] [--warmup 40] [--workflow linear5]
//     --configs '[{"name":"now"},{"name":"no bitmap","session":"SET enable_bitmapscan = off"},
//                 {"name":"wal minimal","settings":["wal_level=minimal","max_wal_senders=0"]},
//                 {"name":"no checksums","initdb":["--no-data-checksums"]}]'
//   npx tsx bench/pglite-ab.ts --configs '[{"name":"base","engine":"../wt-base"},{"name":"now"}]'
// engine: a checkout of this repository (a worktree of another commit) whose engine runs this
// configuration, to compare code changes as configurations are compared (both in one process).
// session: SQL run on the database once it is open; migrated: SQL run once the engine has migrated
// it (to try a schema change, e.g. an index or constraint less); settings: -c settings added to PGlite's start
// parameters; initdb: arguments added to its initdb (a new data directory each run).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { PGlite, type PGliteOptions } from "@electric-sql/pglite";
import type { Database, Tasker } from "@tasker-ts/tasker";
import * as thisEngine from "@tasker-ts/tasker";
import { z } from "zod";
import { CompletionTracker } from "./completion-tracker.js";
import { count } from "./options.js";
import { RUN_TIME_HANDLERS } from "./run-time-handlers.js";
import { percentile } from "./stats.js";
import { BENCH_NAMESPACE, noopHandler, TEMPLATE_DIR, trackTaskOutcomes } from "./tasker-engine.js";

const ConfigSchema = z.object({
  name: z.string(),
  session: z.string().optional(),
  migrated: z.string().optional(),
  settings: z.array(z.string()).optional(),
  initdb: z.array(z.string()).optional(),
  engine: z.string().optional(),
});
const { values } = parseArgs({
  options: {
    runs: { type: "string" },
    warmup: { type: "string" },
    workflow: { type: "string" },
    configs: { type: "string" },
  },
});
const runs = count(values.runs ?? "150", "--runs", 1);
const warmup = count(values.warmup ?? "40", "--warmup", 0);
const workflow = values.workflow ?? "linear5";
const configs = z
  .array(ConfigSchema)
  .min(1)
  .parse(JSON.parse(values.configs ?? '[{"name":"a"},{"name":"a again"}]'));

// The options of the PGlite the driver opens next.
let createOptions: PGliteOptions = {};
const create = PGlite.create.bind(PGlite) as (dir: string, opts?: PGliteOptions) => Promise<PGlite>;
(PGlite as unknown as { create: unknown }).create = (dir: string, opts: PGliteOptions = {}) =>
  create(dir, { ...opts, ...createOptions });
let wasmMs = 0;
const proto = PGlite.prototype as unknown as Record<string, (...a: unknown[]) => unknown>;
const rawSync = proto.execProtocolRawSync as (this: PGlite, m: Uint8Array) => Uint8Array;
proto.execProtocolRawSync = function (this: PGlite, message: unknown) {
  const t = performance.now();
  try {
    return rawSync.call(this, message as Uint8Array);
  } finally {
    wasmMs += performance.now() - t;
  }
};

interface Contender {
  name: string;
  dir: string;
  database: Database;
  tasker: Tasker;
  tracker: CompletionTracker;
  wal0: number;
  total: number[];
  wasm: number[];
  cpu: number[];
}
const logger = thisEngine.createLogger({ level: "warn", name: "pglite-ab" });
/** The engine of a configuration: this checkout's, or the one at `engine`. */
async function engineOf(checkout: string | undefined): Promise<typeof thisEngine> {
  if (!checkout) return thisEngine;
  const entry = pathToFileURL(join(resolve(checkout), "packages/tasker/src/index.ts")).href;
  return (await import(entry)) as typeof thisEngine;
}
const walBytes = async (db: Database) =>
  Number(
    (await db.query<{ b: string }>("SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), '0/0')::text AS b"))[0]?.b ??
      0,
  );
const contenders: Contender[] = [];
for (const cfg of configs) {
  createOptions = {
    ...(cfg.settings && {
      startParams: [...PGlite.defaultStartParams, ...cfg.settings.flatMap((s) => ["-c", s])],
    }),
    ...(cfg.initdb && { initDbStartParams: cfg.initdb }),
  };
  const engine = await engineOf(cfg.engine);
  const dir = mkdtempSync(join(tmpdir(), "pglite-ab-"));
  const database = await engine.openDatabase({ dataDir: dir, logger });
  createOptions = {};
  if (cfg.session) await database.exec(cfg.session);
  const tasker = await engine.Tasker.open({
    database,
    templatePaths: [TEMPLATE_DIR],
    logger,
    messaging: "postgres",
  });
  if (cfg.migrated) await database.exec(cfg.migrated);
  const tracker = new CompletionTracker();
  trackTaskOutcomes(tasker, tracker);
  await tasker.events.ready();
  await tasker.startOrchestrator();
  await tasker.startWorker({ handlers: [noopHandler, ...RUN_TIME_HANDLERS], namespaces: [BENCH_NAMESPACE] });
  contenders.push({ name: cfg.name, dir, database, tasker, tracker, wal0: 0, total: [], wasm: [], cpu: [] });
}
for (let i = 0; i < warmup + runs; i++) {
  if (i === warmup) for (const c of contenders) c.wal0 = await walBytes(c.database);
  for (const c of i % 2 === 0 ? contenders : [...contenders].reverse()) {
    wasmMs = 0;
    const cpu0 = process.cpuUsage();
    const start = performance.now();
    const { task } = await c.tasker.client.createTask({ namespace: BENCH_NAMESPACE, name: workflow });
    const done = await c.tracker.wait(task.task_uuid, 60_000);
    if (!done.ok) throw new Error(`task failed: ${done.detail}`);
    const cpu = process.cpuUsage(cpu0);
    if (i >= warmup) {
      c.total.push(done.at - start);
      c.wasm.push(wasmMs);
      c.cpu.push((cpu.user + cpu.system) / 1000);
    }
    // Let the queue consumer settle before the next task, as the bench's sampler does.
    await new Promise((r) => setTimeout(r, 5));
  }
}
const q = (xs: number[], p: number) =>
  percentile(
    [...xs].sort((a, b) => a - b),
    p,
  );
const base = contenders[0] as Contender;
const cell = (xs: number[], ys: number[], p: number) =>
  `${q(xs, p).toFixed(2)} (${(q(xs, p) / q(ys, p)).toFixed(3)}x)`.padEnd(16);
console.log(`${workflow}, ${runs} runs each, alternated; ratios against "${base.name}"`);
console.log(
  `${"".padEnd(20)}${"WASM p10".padEnd(16)}${"WASM p25".padEnd(16)}${"CPU p25".padEnd(16)}${"CPU p50".padEnd(16)}${"total p25".padEnd(16)}${"total p50".padEnd(16)}WAL/task`,
);
for (const c of contenders) {
  const wal = ((await walBytes(c.database)) - c.wal0) / runs / 1024;
  console.log(
    `${c.name.slice(0, 19).padEnd(20)}${cell(c.wasm, base.wasm, 10)}${cell(c.wasm, base.wasm, 25)}${cell(c.cpu, base.cpu, 25)}${cell(c.cpu, base.cpu, 50)}${cell(c.total, base.total, 25)}${cell(c.total, base.total, 50)}${wal.toFixed(1)} KiB`,
  );
}
for (const c of contenders) {
  await c.tasker.close();
  await c.database.close();
  rmSync(c.dir, { recursive: true, force: true });
}
