// Investigation tool, not part of `npm run bench`: runs linear5 tasks on PostgreSQL with
// auto_explain logging every statement's executed plan (EXPLAIN ANALYZE), then sets the server's
// own execution time of each engine statement beside the time the client waited for it. The gap
// is the round trip (network, scheduling, driver), which is what bounds latency.
//   npx tsx bench/explain.ts [--history N] [--tasks N] [--log /var/log/postgresql/postgresql-15-main.log]
import { closeSync, openSync, readdirSync, readSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { createLogger } from "@tasker-ts/tasker";
import pg from "pg";
import { seedHistory } from "./history.js";
import { statementKey } from "./sql-trace.js";
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

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      history: { type: "string", default: "0" },
      tasks: { type: "string", default: "20" },
      log: { type: "string" },
      out: { type: "string", default: "bench/results/explain-latest.txt" },
    },
  });
  const logFile = values.log ?? defaultLogFile();
  const logger = createLogger({ level: "warn", name: "bench" });
  let dbName = "";
  const engine = await BenchEngine.open("postgres", logger, {
    // Every new connection of the engine's database loads auto_explain and logs each plan.
    beforeOpen: async (db) => {
      dbName = db.name;
      const admin = new pg.Client({ connectionString: db.url });
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
          await admin.query(`ALTER DATABASE "${db.name}" SET ${setting}`);
        }
      } finally {
        await admin.end();
      }
    },
  });
  try {
    const history = Number(values.history);
    if (history > 0) {
      const models = [await engine.create("linear5")];
      await engine.tracker.wait(models[0]!, 60_000);
      console.log(`writing ${history} finished tasks`);
      await seedHistory(engine.tasker.database, models, history);
    }
    for (let i = 0; i < 3; i++) await engine.runOnce("linear5"); // warm-up
    const offset = statSync(logFile).size;
    engine.trace.reset();
    const tasks = Number(values.tasks);
    const samples: number[] = [];
    for (let i = 0; i < tasks; i++) samples.push(await engine.runOnce("linear5"));
    const plans = parseAutoExplainLog(readFrom(logFile, offset), dbName);
    const client = new Map(engine.trace.top(100).map((s) => [s.sql, s]));
    const byKey = new Map<string, LoggedPlan[]>();
    for (const p of plans) byKey.set(p.key, [...(byKey.get(p.key) ?? []), p]);
    const rows = [...byKey.entries()]
      .map(([key, ps]) => {
        const c = client.get(key);
        const server = ps.reduce((a, p) => a + p.durationMs, 0) / ps.length;
        return {
          key,
          calls: ps.length,
          server,
          client: c ? c.totalMs / c.calls : Number.NaN,
          shape: planShape(ps[0]!.plan),
        };
      })
      .sort((a, b) => b.calls * b.client - a.calls * a.client);
    const sorted = [...samples].sort((a, b) => a - b);
    const report = [
      `linear5 on PostgreSQL, ${tasks} tasks one at a time${history > 0 ? `, ${history} finished tasks in the tables` : ""}: p50 ${sorted[Math.floor(sorted.length / 2)]!.toFixed(1)} ms`,
      `${engine.trace.totalCalls() / tasks} statements per task (BEGIN/COMMIT included); ${plans.length / tasks} explained per task`,
      "",
      "calls/task  server ms  client ms  statement",
      ...rows.flatMap((r) => [
        `${(r.calls / tasks).toFixed(1).padStart(10)} ${r.server.toFixed(3).padStart(10)} ${r.client.toFixed(3).padStart(10)}  ${r.key}`,
        ...r.shape.map((s) => `${" ".repeat(35)}${s}`),
      ]),
    ].join("\n");
    console.log(report);
    writeFileSync(values.out, `${report}\n`);
    console.log(`\nwrote ${values.out}`);
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
