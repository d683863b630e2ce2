// The orchestrator process SIGKILLed with tasks in flight, then restarted: every task completes,
// none is stuck, and no step ran twice to completion.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startOrchestrator, startWorker } from "./support/engine-processes.js";
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
import { scenarioReport } from "./support/scenario-report.js";

const TASKS_PER_RUN = 60;
/** Each run kills the orchestrator after a different share of the steps has completed. */
const KILL_AFTER = [0.1, 0.4, 0.7];

describe("orchestrator SIGKILLed and restarted", () => {
  const report = scenarioReport(
    "orchestrator SIGKILLed, restarted",
    2,
    `${TASKS_PER_RUN} 3-step tasks per run; killed at ${KILL_AFTER.map((k) => `${k * 100}%`).join("/")}`,
  );
  let s: ScenarioDatabase;
  let orchestrator: RunningProcess;

  beforeAll(async () => {
    s = await openScenarioDatabase("orchestrator_crash");
    const config = writeConfig(s.dir, "worker", workerToml({ concurrency: 16 }));
    [orchestrator] = await Promise.all([startOrchestrator(s.url), startWorker(s.url, config)]);
  });
  afterAll(async () => {
    await killAll();
    await s?.close();
  });

  const completedSteps = (uuids: string[]) =>
    s.tasker.database
      .query<{ n: number }>(
        "SELECT count(*)::int AS n FROM tasker.workflow_steps WHERE task_uuid = ANY($1::uuid[]) AND state = 'complete'",
        [uuids],
      )
      .then((r) => r[0]!.n);

  it.each(KILL_AFTER)("killed after %d of the steps", async (share) => {
    await report.run(async (record) => {
      const uuids = await createTasks(s.tasker, TASKS_PER_RUN, (i) => ({
        name: "chain",
        namespace: "reliability",
        context: { sleep_ms: 20 + (i % 5) * 10 },
      }));
      const totalSteps = TASKS_PER_RUN * 3;
      await expect
        .poll(() => completedSteps(uuids), { timeout: 60_000, interval: 50 })
        .toBeGreaterThanOrEqual(Math.floor(totalSteps * share));
      await orchestrator.kill("SIGKILL");
      // Workers keep finishing steps while no orchestrator runs: their results must wait, not vanish.
      const whileDown = await completedSteps(uuids);
      orchestrator = await startOrchestrator(s.url);
      await waitForTerminal(s.tasker, uuids, { stallMs: 30_000 });

      const outcome = await measureOutcome(s.tasker, uuids);
      record({
        tasks: uuids.length,
        lost: outcome.lost.length,
        duplicated: outcome.doubleApplied + outcome.doubleCompleted,
      });
      expect(whileDown).toBeLessThan(totalSteps);
      expect(outcome.lost).toEqual([]);
      expect(outcome.doubleApplied).toBe(0);
      expect(outcome.doubleCompleted).toBe(0);
      expect(outcome.missingEffects).toBe(0);
      // Nothing was left behind in the queues either.
      const [left] = await s.tasker.database.query<{ n: number }>(
        "SELECT count(*)::int AS n FROM tasker.queue_messages",
      );
      expect(left!.n).toBe(0);
    });
  });
});
