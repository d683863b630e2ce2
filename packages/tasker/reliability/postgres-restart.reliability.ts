// The database goes away under load: every connection of the scenario's database is cut and new
// ones refused for a few seconds (always), or PostgreSQL itself is restarted with pg_ctlcluster
// (only with RELIABILITY_PG_RESTART=1: the server is shared with everything else on the machine,
// so .ci/run sets it, where suites run one after another). The orchestrator and worker processes
// survive and reconnect with backoff, clients retry with their idempotency keys, and every task
// completes - none lost, none created twice, no result applied twice.
import { execFile } from "node:child_process";
import { readdirSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import { promisify } from "node:util";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TEST_PG_ADMIN_URL } from "../src/testing/index.js";
import { startOrchestrator, startWorker } from "./support/engine-processes.js";
import { killAll, type RunningProcess } from "./support/processes.js";
import {
  measureOutcome,
  openScenarioDatabase,
  type ScenarioDatabase,
  waitForTerminal,
  workerToml,
  writeConfig,
} from "./support/scenario-database.js";
import {
  recordSkippedScenario,
  type ScenarioReport,
  scenarioReport,
  volume,
} from "./support/scenario-report.js";

const RESTART_ENABLED = process.env.RELIABILITY_PG_RESTART === "1";
const run = promisify(execFile);
const WORKERS = 2;
const WORKER_CONCURRENCY = 10;
/** The most steps that can be running when the outage comes: every worker slot. */
const SLOTS = WORKERS * WORKER_CONCURRENCY;

/** When the database was away, by the server's clock (handler runs are stamped with it too). */
interface Outage {
  from: Date;
  to: Date;
}

/** The server's clock, on a connection of its own (to the admin database). */
async function serverClock(): Promise<Date> {
  const admin = new pg.Client({ connectionString: TEST_PG_ADMIN_URL });
  await admin.connect();
  try {
    return (await admin.query<{ now: Date }>("SELECT clock_timestamp() AS now")).rows[0]!.now;
  } finally {
    await admin.end();
  }
}

/** pg_ctlcluster restart, then wait until the server answers. */
async function restartPostgres(): Promise<Outage> {
  const version = readdirSync("/etc/postgresql")[0]!;
  const from = await serverClock();
  await run("pg_ctlcluster", ["--skip-systemctl-redirect", version, "main", "restart"], { timeout: 120_000 });
  for (;;) {
    try {
      await run("pg_isready", ["-h", "127.0.0.1", "-p", "5432", "-q"]);
      return { from, to: await serverClock() };
    } catch {
      await sleep(200);
    }
  }
}

/** Cuts every connection to one database and refuses new ones for `ms`: a restart, for it alone. */
async function dropConnections(databaseUrl: string, ms: number): Promise<Outage> {
  const name = new URL(databaseUrl).pathname.slice(1);
  const admin = new pg.Client({ connectionString: TEST_PG_ADMIN_URL });
  await admin.connect();
  const clock = async () =>
    (await admin.query<{ now: Date }>("SELECT clock_timestamp() AS now")).rows[0]!.now;
  let from: Date | undefined;
  try {
    from = await clock();
    await admin.query(`ALTER DATABASE "${name}" ALLOW_CONNECTIONS false`);
    await admin.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1", [name]);
    await sleep(ms);
  } finally {
    await admin.query(`ALTER DATABASE "${name}" ALLOW_CONNECTIONS true`);
  }
  const to = await clock();
  await admin.end();
  return { from, to };
}

/** An orchestrator and two workers, each its own process, on a fresh database. */
function outageSetup(prefix: string) {
  const ctx = {} as { s: ScenarioDatabase; processes: RunningProcess[] };
  beforeAll(async () => {
    ctx.s = await openScenarioDatabase(prefix);
    const config = writeConfig(
      ctx.s.dir,
      "worker",
      workerToml({ leaseSeconds: 5, concurrency: WORKER_CONCURRENCY }),
    );
    ctx.processes = await Promise.all([
      startOrchestrator(ctx.s.url, "orchestrator", { TASKER_LOG_LEVEL: "error" }),
      ...Array.from({ length: WORKERS }, (_, i) =>
        startWorker(ctx.s.url, config, `worker ${i + 1}`, { TASKER_LOG_LEVEL: "error" }),
      ),
    ]);
  });
  afterAll(async () => {
    await killAll();
    await ctx.s?.close();
  });
  return ctx;
}

/**
 * Creates `tasks` 2-step tasks through a client that retries (same idempotency key) while the
 * database is away, brings the outage once 30% exist, and checks that everything completes, and
 * that steps ran again only within the at-least-once bound: a step runs again only when the
 * outage caught it mid-run (its attempt failed on the database, or its result could not be stored
 * and its lease ran out), so only steps whose first run started before the database was back,
 * each at most once more, and no more of them than there are worker slots.
 */
async function runThroughOutage(
  ctx: { s: ScenarioDatabase; processes: RunningProcess[] },
  report: ScenarioReport,
  run: number,
  tasks: number,
  outage: () => Promise<Outage>,
): Promise<void> {
  const { s, processes } = ctx;
  await report.run(async (record) => {
    const uuids = new Map<number, string>();
    let failedCalls = 0;
    const create = async (i: number) => {
      for (let wait = 100; ; wait = Math.min(wait * 2, 2000)) {
        try {
          const { task } = await s.tasker.client.createTask({
            name: "pair",
            namespace: "reliability",
            context: { i },
            idempotency_key: `outage-${run}-${i}`,
          });
          uuids.set(i, task.task_uuid);
          return;
        } catch {
          failedCalls++;
          await sleep(wait);
        }
      }
    };
    let next = 0;
    const creating = Promise.all(
      Array.from({ length: 8 }, async () => {
        for (let i = next++; i < tasks; i = next++) await create(i);
      }),
    );
    while (uuids.size < tasks * 0.3) await sleep(50);
    const away = await outage();
    const awayMs = away.to.getTime() - away.from.getTime();
    await creating;
    const all = [...uuids.values()];
    await waitForTerminal(s.tasker, all, { stallMs: 60_000, deadlineMs: 500_000 });

    const outcome = await measureOutcome(s.tasker, all);
    const [stored] = await s.tasker.database.query<{ n: number; keys: number }>(
      "SELECT count(*)::int AS n, count(DISTINCT idempotency_key)::int AS keys FROM tasker.tasks WHERE idempotency_key LIKE $1",
      [`outage-${run}-%`],
    );
    record({
      tasks: all.length,
      lost: tasks - outcome.complete,
      duplicated: outcome.doubleApplied + (stored!.n - stored!.keys),
    });
    const ranAgain = await s.tasker.database.query<{ step_uuid: string; runs: number; first_started: Date }>(
      `SELECT step_uuid::text, count(*)::int AS runs, min(started_at) AS first_started
         FROM reliability.executions WHERE task_uuid = ANY($1::uuid[])
        GROUP BY step_uuid HAVING count(*) > 1`,
      [all],
    );
    const extraRuns = outcome.executions - tasks * 2;
    process.stdout.write(
      `  database away ${(awayMs / 1000).toFixed(1)} s; ${failedCalls} client calls retried; ${ranAgain.length} steps ran again (${extraRuns} extra runs; at most ${SLOTS})\n`,
    );
    expect(uuids.size).toBe(tasks);
    expect(stored).toEqual({ n: tasks, keys: tasks });
    expect(outcome.lost).toEqual([]);
    expect(outcome.doubleApplied).toBe(0);
    expect(outcome.missingEffects).toBe(0);
    // At-least-once, bounded: only steps the outage caught ran again, each once more at most.
    expect(ranAgain.filter((r) => r.first_started > away.to)).toEqual([]);
    expect(ranAgain.filter((r) => r.runs > 2)).toEqual([]);
    expect(extraRuns).toBe(ranAgain.length);
    expect(extraRuns).toBeLessThanOrEqual(SLOTS);
    // Every process lived through it, and logged that it was retrying with backoff.
    for (const p of processes) expect(p.child.exitCode, `${p.name}\n${p.output().slice(-2000)}`).toBeNull();
    const retried = processes.flatMap((p) => p.logs()).filter((l) => typeof l.retry_in_ms === "number");
    expect(retried.length).toBeGreaterThan(0);
  });
}

const DROP_TASKS = volume(300, 100);
describe("database connections cut and refused under load", () => {
  const report = scenarioReport(
    "database connections cut (4 s)",
    3.1,
    `${DROP_TASKS} 2-step tasks per run; all connections killed, new ones refused for 4 s`,
  );
  const ctx = outageSetup("conn_drop");
  it.each([1, 2])("run %i", { timeout: 600_000 }, async (n) => {
    await runThroughOutage(ctx, report, n, DROP_TASKS, () => dropConnections(ctx.s.url, 4000));
  });
});

const RESTART = "PostgreSQL restarted under load";
const RESTART_TASKS = volume(500, 100);
if (!RESTART_ENABLED)
  recordSkippedScenario(RESTART, 3, "skipped: set RELIABILITY_PG_RESTART=1 (.ci/run does)");
describe.skipIf(!RESTART_ENABLED)(RESTART, () => {
  const report = scenarioReport(RESTART, 3, `${RESTART_TASKS} 2-step tasks; pg_ctlcluster restart after 30%`);
  const ctx = outageSetup("pg_restart");
  it(`completes ${RESTART_TASKS} tasks across a restart`, { timeout: 600_000 }, async () => {
    await runThroughOutage(ctx, report, 1, RESTART_TASKS, restartPostgres);
    const exits = await Promise.all(ctx.processes.map((p) => p.terminate(20_000)));
    expect(exits.map((e) => e.code)).toEqual([0, 0, 0]);
  });
});
