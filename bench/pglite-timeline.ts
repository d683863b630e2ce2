// Where a linear5 task's time goes on embedded PGlite: per call into the backend, the WASM time
// (execProtocolRawSync), the file-system calls made from inside it (Node's fs, as Emscripten's
// NODEFS makes them), and the rest (the driver's encode/decode, the engine's own JS, waits).
// Investigation tool, not part of `npm run bench`. Usage:
//   npx tsx bench/pglite-timeline.ts [--memory] [--runs N] [--warmup N] [--workflow linear5]
//     [--verbose] (the last task's calls, one line each) [--profile FILE] (CPU profile of the measured
//     runs, and the backend's time by PostgreSQL function) [--explain] (executor time per statement,
//     by auto_explain loaded into PGlite: run + finish only, and it doubles the backend time)
import fs, { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { Session } from "node:inspector/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { PGlite } from "@electric-sql/pglite";
import { createLogger, openDatabase, Tasker } from "@tasker-ts/tasker";
import { CompletionTracker } from "./completion-tracker.js";
import { count } from "./options.js";
import { RUN_TIME_HANDLERS } from "./run-time-handlers.js";
import { percentile } from "./stats.js";
import { BENCH_NAMESPACE, noopHandler, TEMPLATE_DIR, trackTaskOutcomes } from "./tasker-engine.js";
import { backendBreakdown, type CpuProfile, wasmFunctionNames } from "./wasm-profile.js";

const { values } = parseArgs({
  options: {
    memory: { type: "boolean" },
    runs: { type: "string" },
    warmup: { type: "string" },
    workflow: { type: "string" },
    verbose: { type: "boolean" },
    profile: { type: "string" },
    explain: { type: "boolean" },
    calls: { type: "boolean" },
  },
});
const runs = count(values.runs ?? "30", "--runs", 1);
const warmup = count(values.warmup ?? "10", "--warmup", 0);
const workflow = values.workflow ?? "linear5";

/** Time spent in fs calls, by function, while a call is inside the backend. */
const fsTime = new Map<string, { n: number; ms: number }>();
let inWasm = false;
let fsMsInCall = 0;
for (const name of Object.keys(fs) as (keyof typeof fs)[]) {
  const f = fs[name];
  if (typeof f !== "function" || !String(name).endsWith("Sync")) continue;
  (fs as unknown as Record<string, unknown>)[name] = function (this: unknown, ...args: unknown[]) {
    if (!inWasm) return (f as (...a: unknown[]) => unknown).apply(this, args);
    const t = performance.now();
    try {
      return (f as (...a: unknown[]) => unknown).apply(this, args);
    } finally {
      const ms = performance.now() - t;
      fsMsInCall += ms;
      const s = fsTime.get(name) ?? { n: 0, ms: 0 };
      s.n++;
      s.ms += ms;
      fsTime.set(name, s);
    }
  };
}

/** What a call sent: its simple queries and the first words of each prepared statement it ran. */
const names = new Map<string, string>();
const decoder = new TextDecoder();
function label(m: Uint8Array): string {
  const out: string[] = [];
  const view = new DataView(m.buffer, m.byteOffset, m.byteLength);
  const cstr = (from: number) => {
    let end = from;
    while (m[end] !== 0) end++;
    return [decoder.decode(m.subarray(from, end)), end + 1] as const;
  };
  for (let at = 0; at + 5 <= m.length; ) {
    const type = String.fromCharCode(m[at] as number);
    const len = view.getInt32(at + 1);
    if (type === "Q") out.push(cstr(at + 5)[0].slice(0, 20));
    if (type === "P") {
      const [name, next] = cstr(at + 5);
      names.set(name, cstr(next)[0].replace(/\s+/g, " ").slice(0, 40));
    }
    if (type === "B") {
      const [, next] = cstr(at + 5);
      out.push(names.get(cstr(next)[0]) ?? "?");
    }
    at += 1 + len;
  }
  return out.join(" | ");
}

interface CallRecord {
  label: string;
  start: number;
  end: number;
  wasmMs: number;
  fsMs: number;
  bytes: number;
}
let calls: CallRecord[] = [];
const proto = PGlite.prototype as unknown as Record<string, (...a: unknown[]) => unknown>;
const rawSync = proto.execProtocolRawSync as (this: PGlite, m: Uint8Array) => Uint8Array;
proto.execProtocolRawSync = function (this: PGlite, message: unknown) {
  const t = performance.now();
  inWasm = true;
  fsMsInCall = 0;
  try {
    return rawSync.call(this, message as Uint8Array);
  } finally {
    inWasm = false;
    const end = performance.now();
    calls.push({
      label: values.verbose || values.calls ? label(message as Uint8Array) : "",
      start: t,
      end,
      wasmMs: end - t,
      fsMs: fsMsInCall,
      bytes: (message as Uint8Array).length,
    });
  }
};

// --explain: auto_explain (loaded into PGlite) logs every executed statement's executor time as a
// notice; summed per statement over the measured runs. Parse, bind and planning are not in it.
const explained = new Map<string, { n: number; ms: number }>();
let explaining = false;
if (values.explain) {
  const { auto_explain } = await import("@electric-sql/pglite/contrib/auto_explain");
  const create = PGlite.create.bind(PGlite) as (...a: unknown[]) => Promise<PGlite>;
  (PGlite as unknown as { create: unknown }).create = (dir: string, opts: object = {}) =>
    create(dir, { ...opts, extensions: { auto_explain } });
  const record = (message: string) => {
    const hit = /^duration: ([\d.]+) ms\s+plan:\s*Query Text: (.*)/s.exec(message);
    if (!hit || !explaining) return;
    const key = (hit[2] as string).replace(/\s+/g, " ").slice(0, 60);
    const e = explained.get(key) ?? { n: 0, ms: 0 };
    e.n++;
    e.ms += Number(hit[1]);
    explained.set(key, e);
  };
  // The driver reads the raw answers: find the NoticeResponses ('N') among them.
  const rawStream = proto.execProtocolRawStream as (this: PGlite, m: Uint8Array, o: object) => unknown;
  proto.execProtocolRawStream = function (this: PGlite, m: unknown, o: unknown) {
    const opts = o as { onRawData: (b: Uint8Array) => void };
    const chunks: Buffer[] = [];
    const done = rawStream.call(this, m as Uint8Array, {
      ...opts,
      onRawData: (b: Uint8Array) => {
        chunks.push(Buffer.from(b));
        opts.onRawData(b);
      },
    });
    const all = Buffer.concat(chunks);
    for (let at = 0; at + 5 <= all.length; at += 1 + all.readInt32BE(at + 1)) {
      if (all[at] !== 0x4e) continue;
      const end = at + 1 + all.readInt32BE(at + 1);
      for (let f = at + 5; f < end && all[f] !== 0; ) {
        const valueEnd = all.indexOf(0, f + 1);
        if (all[f] === 0x4d) record(all.toString("utf8", f + 1, valueEnd));
        f = valueEnd + 1;
      }
    }
    return done;
  };
}

const logger = createLogger({ level: "warn", name: "timeline" });
const dataDir = values.memory ? "memory://" : mkdtempSync(join(tmpdir(), "tasker-timeline-"));
const database = await openDatabase({ dataDir, logger });
if (values.explain) {
  await database.exec(
    "LOAD 'auto_explain'; SET auto_explain.log_min_duration = 0; SET auto_explain.log_analyze = on; SET auto_explain.log_timing = off; SET client_min_messages = log",
  );
}
const tasker = await Tasker.open({ database, templatePaths: [TEMPLATE_DIR], logger, messaging: "postgres" });
const tracker = new CompletionTracker();
trackTaskOutcomes(tasker, tracker);
await tasker.events.ready();
await tasker.startOrchestrator();
await tasker.startWorker({ handlers: [noopHandler, ...RUN_TIME_HANDLERS], namespaces: [BENCH_NAMESPACE] });

interface TaskRecord {
  total: number;
  calls: number;
  wasm: number;
  fs: number;
  cpu: number;
}
const tasks: TaskRecord[] = [];
/** --calls: WASM time of each kind of call, over the measured runs. */
const byKind = new Map<string, number[]>();
// --profile FILE: a CPU profile of the measured runs only (not the start-up, not the warm-up).
const session = values.profile ? new Session() : undefined;
session?.connect();
for (let i = 0; i < warmup + runs; i++) {
  if (i === warmup) explaining = true;
  if (session && i === warmup) {
    await session.post("Profiler.setSamplingInterval", { interval: 100 });
    await session.post("Profiler.enable");
    await session.post("Profiler.start");
  }
  calls = [];
  const cpu0 = process.cpuUsage();
  const start = performance.now();
  const { task } = await tasker.client.createTask({ namespace: BENCH_NAMESPACE, name: workflow });
  const done = await tracker.wait(task.task_uuid, 60_000);
  if (!done.ok) throw new Error(`task failed: ${done.detail}`);
  const total = done.at - start;
  const cpu = process.cpuUsage(cpu0);
  if (i < warmup) continue;
  const mine = calls.filter((c) => c.start >= start && c.end <= done.at);
  tasks.push({
    total,
    calls: mine.length,
    wasm: mine.reduce((a, c) => a + c.wasmMs, 0),
    fs: mine.reduce((a, c) => a + c.fsMs, 0),
    cpu: (cpu.user + cpu.system) / 1000,
  });
  if (values.calls) {
    for (const c of mine) {
      // The call's kind: its statements' first words, without BEGIN/SET/COMMIT.
      const kind = c.label
        .split(" | ")
        .filter((l) => !/^(BEGIN|COMMIT|SET LOCAL)/.test(l))
        .map((l) => l.slice(0, 24))
        .join(" + ");
      const list = byKind.get(kind) ?? [];
      list.push(c.wasmMs);
      byKind.set(kind, list);
    }
  }
  if (values.verbose && i === warmup + runs - 1) {
    for (const c of mine) {
      console.log(
        `  +${(c.start - start).toFixed(2)} ms  wasm ${c.wasmMs.toFixed(2)} (fs ${c.fsMs.toFixed(2)})  ${c.bytes} B  ${c.label}`,
      );
    }
  }
  // Let the queue consumer settle before the next task, as the bench's sampler does.
  await new Promise((r) => setTimeout(r, 5));
}
let cpuProfile: CpuProfile | undefined;
if (session && values.profile) {
  const { profile } = await session.post("Profiler.stop");
  fs.writeFileSync(values.profile, JSON.stringify(profile));
  session.disconnect();
  cpuProfile = profile as CpuProfile;
}
await tasker.close();
await database.close();
if (!values.memory) rmSync(dataDir, { recursive: true, force: true });

const col = (f: (t: TaskRecord) => number) => {
  const xs = tasks.map(f).sort((a, b) => a - b);
  return `p50 ${percentile(xs, 50).toFixed(2)}  mean ${(xs.reduce((a, b) => a + b, 0) / xs.length).toFixed(2)}`;
};
console.log(`${workflow} on ${values.memory ? "memory://" : "a data directory"}, ${runs} runs`);
console.log(`  total (create -> completed)   ${col((t) => t.total)} ms`);
console.log(`  process CPU (user+sys)        ${col((t) => t.cpu)} ms`);
console.log(`  calls into the backend        ${col((t) => t.calls)}`);
console.log(`  WASM (execProtocolRawSync)    ${col((t) => t.wasm)} ms`);
console.log(`    of which fs calls           ${col((t) => t.fs)} ms`);
console.log(`  outside WASM                  ${col((t) => t.total - t.wasm)} ms`);
const perTask = [...fsTime.entries()]
  .map(([k, v]) => `${k} ${(v.n / (warmup + runs)).toFixed(1)}x ${(v.ms / (warmup + runs)).toFixed(3)} ms`)
  .join(", ");
console.log(`  fs calls per task: ${perTask}`);
if (values.calls) {
  console.log("  WASM time per call, by kind (p50, calls per task):");
  for (const [kind, xs] of byKind) {
    xs.sort((a, b) => a - b);
    console.log(`    ${percentile(xs, 50).toFixed(3)} ms  ${(xs.length / runs).toFixed(1)}x  ${kind}`);
  }
}
if (cpuProfile) {
  // The backend's time by what PostgreSQL was doing, named from the WASM module's exports. Groups
  // are inclusive and overlap (a WAL write is inside a commit; FK checks run queries inside
  // ExecutorFinish); "executor" counts a sample once.
  const wasm = join(createRequire(import.meta.url).resolve("@electric-sql/pglite"), "../pglite.wasm");
  const groups = {
    "executor (ExecutorStart/Run/Finish/End)": [
      "ExecutorStart",
      "ExecutorRun",
      "ExecutorFinish",
      "ExecutorEnd",
    ],
    "· ExecutorStart (plan-tree set-up)": ["ExecutorStart"],
    "· ExecutorRun": ["ExecutorRun"],
    "· ExecutorFinish (writing CTEs, AFTER triggers)": ["ExecutorFinish"],
    "· ExecutorEnd": ["ExecutorEnd"],
    "· index inserts (ExecInsertIndexTuples)": ["ExecInsertIndexTuples"],
    "· table size asked (smgrnblocks)": ["smgrnblocks"],
    "commit (CommitTransactionCommand)": ["CommitTransactionCommand"],
    "· WAL write at commit (XLogFlush)": ["XLogFlush"],
    "parameters parsed (OidInputFunctionCall)": ["OidInputFunctionCall"],
    "results formatted (OutputFunctionCall)": ["OutputFunctionCall"],
    "cached plan checked (GetCachedPlan)": ["GetCachedPlan"],
    "simple queries parsed (raw_parser)": ["raw_parser"],
  };
  const { backendSamples, busySamples, shares } = backendBreakdown(
    cpuProfile,
    wasmFunctionNames(readFileSync(wasm)),
    "PostgresMainLoopOnce",
    groups,
  );
  const wasmMean = tasks.reduce((a, t) => a + t.wasm, 0) / tasks.length;
  console.log(
    `  backend time by what PostgreSQL did (CPU profile, ${backendSamples} samples, ${((100 * backendSamples) / busySamples).toFixed(0)} % of the process's busy samples; ms = share x mean WASM time):`,
  );
  for (const [label, share] of shares) {
    console.log(
      `    ${(100 * share).toFixed(1).padStart(5)} %  ${(share * wasmMean).toFixed(2)} ms  ${label}`,
    );
  }
}
if (values.explain) {
  console.log("  executor time per task (auto_explain), by statement:");
  for (const [k, e] of [...explained].sort((a, b) => b[1].ms - a[1].ms)) {
    console.log(`    ${(e.n / runs).toFixed(1)}x ${(e.ms / runs).toFixed(3)} ms  ${k}`);
  }
}
