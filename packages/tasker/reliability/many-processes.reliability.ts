// Two orchestrators and three workers, each its own process, on one database: thousands of tasks
// complete and no step is executed twice.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startOrchestrator, startServe, startWorker } from "./support/engine-processes.js";
import { killAll, type RunningProcess } from "./support/processes.js";
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

const TASKS = volume(2000, 200);
const STEPS_PER_TASK = 2;

describe("two orchestrators and three workers", () => {
  const report = scenarioReport(
    "2 orchestrators + 3 workers",
    4,
    `${TASKS} 2-step tasks, created while they run`,
  );
  let s: ScenarioDatabase;
  let processes: RunningProcess[];

  beforeAll(async () => {
    s = await openScenarioDatabase("many_processes");
    const config = writeConfig(s.dir, "worker", workerToml({ concurrency: 10, leaseSeconds: 30 }));
    // One orchestrator is `tasker-ctl serve` (API + orchestrator), as deployed; the other is bare.
    const serveConfig = writeConfig(s.dir, "serve", "[common.queues]\npoll_interval_ms = 100\n");
    processes = await Promise.all([
      startOrchestrator(s.url, "orchestrator"),
      startServe(s.url, ["--config", serveConfig]).then((serve) => serve.process),
      startWorker(s.url, config, "worker 1"),
      startWorker(s.url, config, "worker 2"),
      startWorker(s.url, config, "worker 3"),
    ]);
  });
  afterAll(async () => {
    await killAll();
    await s?.close();
  });

  it(`runs ${TASKS} tasks to completion, each step once`, { timeout: 600_000 }, async () => {
    await report.run(async (record) => {
      const started = Date.now();
      const uuids = await createTasks(
        s.tasker,
        TASKS,
        (i) => ({ name: "pair", namespace: "reliability", context: { i } }),
        12,
      );
      const createdMs = Date.now() - started;
      const ms = await waitForTerminal(s.tasker, uuids, { stallMs: 30_000, deadlineMs: 500_000 });
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
      // Not even a redundant delivery: every step reached a handler exactly once.
      expect(outcome.executions).toBe(TASKS * STEPS_PER_TASK);
      const dupes = await s.tasker.database.query(
        `SELECT workflow_step_uuid, event, count(*)::int AS n FROM tasker.workflow_step_transitions
          WHERE task_uuid = ANY($1::uuid[]) AND event IN ('enqueue', 'claim', 'succeed', 'complete')
          GROUP BY workflow_step_uuid, event HAVING count(*) <> 1`,
        [uuids],
      );
      expect(dupes).toEqual([]);
      // Every process took part (the work really was shared).
      const pids = await s.tasker.database.query<{ pid: number; n: number }>(
        "SELECT pid, count(*)::int AS n FROM reliability.executions WHERE task_uuid = ANY($1::uuid[]) GROUP BY pid",
        [uuids],
      );
      expect(pids.map((p) => p.pid).sort()).toEqual(
        processes
          .slice(2)
          .map((p) => p.pid)
          .sort(),
      );
      process.stdout.write(
        `  ${TASKS} tasks created in ${(createdMs / 1000).toFixed(1)} s, all finished ${(ms / 1000).toFixed(1)} s later\n`,
      );
      // Clean shutdown of all five.
      const exits = await Promise.all(processes.map((p) => p.terminate(20_000)));
      expect(exits.map((e) => e.code)).toEqual([0, 0, 0, 0, 0]);
    });
  });
});
