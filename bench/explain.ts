// Investigation tool, not part of `npm run bench`: runs linear5 tasks one at a time and sets, for
// every statement the engine sent, the time the client waited beside the database's own time:
// planning (EXPLAIN SUMMARY of a real call, both backends) and execution (auto_explain's logged
// EXPLAIN ANALYZE of every call, PostgreSQL). The gap is the round trip, which bounds latency.
//   npx tsx bench/explain.ts [--backend postgres|pglite] [--history N [--skip-analyze]] [--tasks N] [--log FILE]
import { closeSync, openSync, readdirSync, readSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { createLogger, type Database } from "@tasker-ts/tasker";
import pg from "pg";
import { seedHistory } from "./history.js";
import type { Backend } from "./options.js";
import { type StatementSample, statementKey } from "./sql-trace.js";
import { BenchEngine } from "./tasker-engine.js";

export interface LoggedPlan {
  durationMs: number;
  key: string;
  plan: PlanNode;
}
interface PlanNode {
  "Node Type": string;
  "Relation Name"?: string;
  "Index Name"?: string;
  "Actual Rows"?: number;
  Plans?: PlanNode[];
}

/**
 * Reads auto_explain's JSON entries for one database out of a PostgreSQL log: a `LOG:  duration:
 * X ms  plan:` line with `user@db` in its prefix, followed by tab-indented JSON lines.
 */
export function parseAutoExplainLog(text: string, database: string): LoggedPlan[] {
  const plans: LoggedPlan[] = [];
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const head = /@(\S+) LOG: {2}duration: ([\d.]+) ms {2}plan:$/.exec(lines[i]!);
    if (!head || head[1] !== database) continue;
    const body: string[] = [];
    while (i + 1 < lines.length && lines[i + 1]!.startsWith("\t")) body.push(lines[++i]!.slice(1));
    try {
      const entry = JSON.parse(body.join("\n")) as { "Query Text": string; Plan: PlanNode };
      plans.push({ durationMs: Number(head[2]), key: statementKey(entry["Query Text"]), plan: entry.Plan });
    } catch {
      // An entry interleaved with another process's output: skip it rather than guess.
    }
  }
  return plans;
}

/** "Update on queue_messages < Index Scan using queue_messages_ready_idx": the plan's shape. */
export function planShape(node: PlanNode): string[] {
  const self = `${node["Node Type"]}${node["Relation Name"] ? ` on ${node["Relation Name"]}` : ""}${node["Index Name"] ? ` using ${node["Index Name"]}` : ""}`;
  return [self, ...(node.Plans ?? []).flatMap(planShape)];
}

function defaultLogFile(): string {
  const dir = "/var/log/postgresql";
  const file = readdirSync(dir).find((f) => /^postgresql-\d+-main\.log$/.test(f));
  if (!file) throw new Error(`no postgresql-<version>-main.log in ${dir}; pass --log FILE`);
  return join(dir, file);
}

function readFrom(file: string, offset: number): string {
  const size = statSync(file).size;
  const buf = Buffer.alloc(Math.max(0, size - offset));
  const fd = openSync(file, "r");
  try {
    readSync(fd, buf, 0, buf.length, offset);
  } finally {
    closeSync(fd);
  }
  return buf.toString("utf8");
}

/** Every new connection to the database loads auto_explain and logs each executed plan. */
async function enableAutoExplain(url: string, name: string): Promise<void> {
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  try {
    for (const setting of [
      "session_preload_libraries = 'auto_explain'",
      "auto_explain.log_min_duration = 0",
      "auto_explain.log_analyze = on",
      "auto_explain.log_buffers = on",
      "auto_explain.log_timing = on",
      "auto_explain.log_format = json",
    ]) {
      await admin.query(`ALTER DATABASE "${name}" SET ${setting}`);
    }
  } finally {
    await admin.end();
  }
}

/** Median planning time (ms) and plan shape of a real call, by EXPLAIN (SUMMARY): nothing runs. */
async function planningOf(
  db: Database,
  sample: StatementSample,
): Promise<{ ms: number; shape: string[] } | undefined> {
  if (!/^\s*(SELECT|WITH|INSERT|UPDATE|DELETE)\b/i.test(sample.sql)) return undefined;
  const times: number[] = [];
  let shape: string[] = [];
  for (let i = 0; i < 5; i++) {
    const [row] = await db.query<{ "QUERY PLAN": [{ Plan: PlanNode; "Planning Time": number }] }>(
      `EXPLAIN (SUMMARY, FORMAT JSON) ${sample.sql}`,
      sample.params,
    );
    const plan = row!["QUERY PLAN"][0];
    times.push(plan["Planning Time"]);
    shape = planShape(plan.Plan);
  }
  times.sort((a, b) => a - b);
  return { ms: times[2]!, shape };
}

interface StatementRow {
  key: string;
  perTask: number;
  client: number;
  planning: number | undefined;
  execution: number | undefined;
  shape: string[];
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      backend: { type: "string", default: "postgres" },
      history: { type: "string", default: "0" },
      "skip-analyze": { type: "boolean", default: false },
      tasks: { type: "string", default: "20" },
      log: { type: "string" },
      out: { type: "string" },
    },
  });
  if (values.backend !== "postgres" && values.backend !== "pglite") {
    throw new Error(`--backend must be postgres or pglite, got "${values.backend}"`);
  }
  const backend: Backend = values.backend;
  const logFile = backend === "postgres" ? (values.log ?? defaultLogFile()) : undefined;
  const logger = createLogger({ level: "warn", name: "bench" });
  let dbName = "";
  const engine = await BenchEngine.open(backend, logger, {
    beforeOpen: async (db) => {
      dbName = db.name;
      await enableAutoExplain(db.url, db.name);
    },
  });
  try {
    const history = Number(values.history);
    if (history > 0) {
      const model = await engine.create("linear5");
      await engine.tracker.wait(model, 60_000);
      console.log(`writing ${history} finished tasks`);
      await seedHistory(engine.tasker.database, [model], history, undefined, {
        analyze: !values["skip-analyze"],
      });
    }
    for (let i = 0; i < 3; i++) await engine.runOnce("linear5"); // warm-up
    const offset = logFile ? statSync(logFile).size : 0;
    engine.trace.reset();
    const tasks = Number(values.tasks);
    const samples: number[] = [];
    for (let i = 0; i < tasks; i++) samples.push(await engine.runOnce("linear5"));
    const stats = engine.trace.top(1000);
    const callsPerTask = engine.trace.totalCalls() / tasks;
    const logged = logFile ? parseAutoExplainLog(readFrom(logFile, offset), dbName) : [];
    const executed = new Map<string, number[]>();
    for (const p of logged) executed.set(p.key, [...(executed.get(p.key) ?? []), p.durationMs]);
    const rows: StatementRow[] = [];
    for (const s of stats) {
      const sample = engine.trace.samples().get(s.sql);
      const planning = sample ? await planningOf(engine.tasker.database, sample) : undefined;
      const exec = executed.get(s.sql);
      rows.push({
        key: s.sql,
        perTask: s.calls / tasks,
        client: s.totalMs / s.calls,
        planning: planning?.ms,
        execution: exec ? exec.reduce((a, b) => a + b, 0) / exec.length : undefined,
        shape: planning?.shape ?? [],
      });
    }
    const sorted = [...samples].sort((a, b) => a - b);
    const fmt = (v: number | undefined) => (v === undefined ? "–" : v.toFixed(3)).padStart(9);
    const sum = (f: (r: StatementRow) => number | undefined) =>
      rows.reduce((a, r) => a + (f(r) ?? 0) * r.perTask, 0);
    const report = [
      `linear5 on ${backend}, ${tasks} tasks one at a time${history > 0 ? `, ${history} finished tasks in the tables${values["skip-analyze"] ? " (never analysed)" : ""}` : ""}: p50 ${sorted[Math.floor(sorted.length / 2)]!.toFixed(1)} ms`,
      `${callsPerTask.toFixed(1)} statements per task (BEGIN/COMMIT included)`,
      `per task: client waited ${sum((r) => r.client).toFixed(1)} ms in statements; planning ${sum((r) => r.planning).toFixed(1)} ms${backend === "postgres" ? `; execution ${sum((r) => r.execution).toFixed(1)} ms` : ""}`,
      "",
      `calls/task  client ms  plan ms  ${backend === "postgres" ? "exec ms  " : ""}statement (plan shape below)`,
      ...rows.flatMap((r) => [
        `${r.perTask.toFixed(1).padStart(10)} ${fmt(r.client)} ${fmt(r.planning)}${backend === "postgres" ? ` ${fmt(r.execution)}` : ""}  ${r.key}`,
        ...r.shape.map((line) => `${" ".repeat(backend === "postgres" ? 42 : 32)}${line}`),
      ]),
    ].join("\n");
    console.log(report);
    const out = values.out ?? `bench/results/explain-${backend}${history > 0 ? "-history" : ""}.txt`;
    writeFileSync(out, `${report}\n`);
    console.log(`\nwrote ${out}`);
  } finally {
    await engine.close();
  }
}

if (process.argv[1]?.endsWith("explain.ts")) {
  main().catch((err) => {
    console.error(`explain failed: ${(err as Error).stack ?? err}`);
    process.exit(1);
  });
}
