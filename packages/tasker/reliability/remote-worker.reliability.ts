// Workers over the worker protocol (`tasker-ctl worker --orchestration-url`), with no database of
// their own for the engine: a remote worker SIGKILLed mid-step is replaced and the step runs again
// once its lease is over, with its effect applied once; the orchestration server SIGKILLed and
// restarted on the same port under load, the remote workers reconnect and every task completes,
// none lost and no effect applied twice.
import { createServer } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ADMIN_KEY, type ServeProcess, startServe } from "./support/engine-processes.js";
import { HANDLERS_DIR, killAll, type RunningProcess, startTaskerCtl } from "./support/processes.js";
import {
  createTasks,
  measureOutcome,
  openScenarioDatabase,
  type ScenarioDatabase,
  waitForTerminal,
  workerToml,
  writeConfig,
} from "./support/scenario-database.js";
import { scenarioReport, volume } from "./support/scenario-report.js";

const LEASE_SECONDS = 2;
const KILL_RUNS = 2;
const TASKS_PER_KILL = 4;
const RESTART_TASKS = volume(60, 20);

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

describe("remote workers (worker protocol)", () => {
  const killReport = scenarioReport(
    "remote worker SIGKILLed mid-step",
    1.5,
    `${TASKS_PER_KILL} tasks in flight per kill, worker over HTTP`,
  );
  const restartReport = scenarioReport(
    "orchestration server SIGKILLed under remote workers",
    2.5,
    `${RESTART_TASKS} tasks; server restarted on its port after 30%`,
  );
  let s: ScenarioDatabase;
  let config: string;
  let port: number;
  let serve: ServeProcess;
  let worker: RunningProcess;
  let serial = 0;

  const startRemoteWorker = () =>
    startTaskerCtl(
      `remote worker ${++serial}`,
      [
        "worker",
        "--handlers",
        HANDLERS_DIR,
        "--config",
        config,
        "--orchestration-url",
        serve.url,
        "--namespaces",
        "reliability",
      ],
      // The handlers record their runs and effects in the scenario's own tables (the app's data);
      // the engine is reached only through the server.
      { DATABASE_URL: "", RELIABILITY_DATABASE_URL: s.url, TASKER_API_KEY: ADMIN_KEY },
      /tasker-ctl worker \S+: serving reliability .*through/,
    );

  beforeAll(async () => {
    s = await openScenarioDatabase("remote_worker");
    config = writeConfig(s.dir, "remote", workerToml({ leaseSeconds: LEASE_SECONDS }));
    port = await freePort();
    serve = await startServe(s.url, ["--port", String(port)], {}, "serve 1");
    worker = await startRemoteWorker();
  });
  afterAll(async () => {
    await killAll();
    await s?.close();
  });

  it.each(Array.from({ length: KILL_RUNS }, (_, i) => i + 1))("kill run %i", async () => {
    await killReport.run(async (record) => {
      const victim = worker;
      // `charge` applies its effect, then hangs on its first attempt: the worker dies right there.
      const uuids = await createTasks(s.tasker, TASKS_PER_KILL, () => ({
        name: "chain",
        namespace: "reliability",
        context: { block: { charge: [1] } },
      }));
      const hanging = () =>
        s.tasker.database
          .query<{ n: number }>(
            `SELECT count(*)::int AS n FROM reliability.executions
              WHERE task_uuid = ANY($1::uuid[]) AND step = 'charge' AND attempt = 1 AND pid = $2`,
            [uuids, victim.pid],
          )
          .then((r) => r[0]!.n);
      await expect.poll(hanging, { timeout: 60_000, interval: 200 }).toBe(TASKS_PER_KILL);
      expect((await victim.kill("SIGKILL")).signal).toBe("SIGKILL");
      const killedAt = Date.now();
      worker = await startRemoteWorker();

      await waitForTerminal(s.tasker, uuids, { stallMs: 30_000 });
      const outcome = await measureOutcome(s.tasker, uuids);
      record({
        tasks: uuids.length,
        lost: outcome.lost.length,
        duplicated: outcome.doubleApplied + outcome.doubleCompleted,
      });
      expect(outcome.lost).toEqual([]);
      expect(outcome.doubleApplied).toBe(0);
      expect(outcome.doubleCompleted).toBe(0);
      expect(outcome.missingEffects).toBe(0);
      // Each charge ran twice (the killed attempt and the takeover after its lease) and took effect once.
      const charges = await s.tasker.database.query<{ runs: number; effects: number; takeover_at: Date }>(
        `SELECT count(*)::int AS runs,
                (SELECT count(*)::int FROM reliability.effects e WHERE e.idempotency_key = x.task_uuid::text || ':charge') AS effects,
                max(x.started_at) AS takeover_at
           FROM reliability.executions x WHERE x.task_uuid = ANY($1::uuid[]) AND x.step = 'charge'
          GROUP BY x.task_uuid`,
        [uuids],
      );
      expect(charges).toHaveLength(TASKS_PER_KILL);
      for (const c of charges) {
        expect(c).toMatchObject({ runs: 2, effects: 1 });
        expect(c.takeover_at.getTime()).toBeGreaterThan(killedAt - 250);
      }
    });
  });

  it("server restart", async () => {
    await restartReport.run(async (record) => {
      const uuids = await createTasks(s.tasker, RESTART_TASKS, () => ({
        name: "chain",
        namespace: "reliability",
      }));
      const done = () =>
        s.tasker.database
          .query<{ n: number }>(
            "SELECT count(*)::int AS n FROM tasker.tasks WHERE task_uuid = ANY($1::uuid[]) AND status = 'complete'",
            [uuids],
          )
          .then((r) => r[0]!.n);
      await expect
        .poll(done, { timeout: 60_000, interval: 100 })
        .toBeGreaterThanOrEqual(Math.ceil(RESTART_TASKS * 0.3));
      expect((await serve.process.kill("SIGKILL")).signal).toBe("SIGKILL");
      serve = await startServe(s.url, ["--port", String(port)], {}, "serve 2");

      await waitForTerminal(s.tasker, uuids, { stallMs: 30_000 });
      const outcome = await measureOutcome(s.tasker, uuids);
      // At least once: a step whose outcome was in flight when the server died runs again after its
      // lease (its worker never learnt whether the report landed); idempotent handlers apply it once.
      const reruns = await s.tasker.database.query<{ n: number }>(
        `SELECT coalesce(sum(runs - 1), 0)::int AS n FROM (
           SELECT count(*) AS runs FROM reliability.executions WHERE task_uuid = ANY($1::uuid[])
            GROUP BY task_uuid, step) x`,
        [uuids],
      );
      record({
        tasks: uuids.length,
        lost: outcome.lost.length,
        duplicated: outcome.doubleApplied + outcome.doubleCompleted,
      });
      restartReport.note(
        `${RESTART_TASKS} tasks; server restarted on its port after 30%; ${reruns[0]!.n} steps ran again (at least once)`,
      );
      expect(outcome.lost).toEqual([]);
      expect(outcome.doubleApplied).toBe(0);
      expect(outcome.missingEffects).toBe(0);
      // At least once, bounded: only a step in flight when the server died (at most the worker's
      // concurrency, 10) may have run again.
      expect(outcome.doubleCompleted).toBeLessThanOrEqual(10);
      expect(reruns[0]!.n).toBeLessThanOrEqual(10);
      expect((await worker.terminate(15_000)).forced).toBe(false);
    });
  });
});
