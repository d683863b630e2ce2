// A worker process SIGKILLed in the middle of a step: after the visibility timeout another worker
// re-claims the step, the task completes, and the step's side effect happened once.
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

const RUNS = 3;
const TASKS_PER_RUN = 4;
const LEASE_SECONDS = 2;

describe("worker SIGKILLed mid-step", () => {
  const report = scenarioReport("worker SIGKILLed mid-step", 1, `${TASKS_PER_RUN} tasks in flight per kill`);
  let s: ScenarioDatabase;
  let config: string;
  /** The worker of the next run: each run kills it and starts the one the following run kills. */
  let worker: RunningProcess;

  beforeAll(async () => {
    s = await openScenarioDatabase("worker_crash");
    config = writeConfig(s.dir, "worker", workerToml({ leaseSeconds: LEASE_SECONDS }));
    [, worker] = await Promise.all([startOrchestrator(s.url), startWorker(s.url, config, "worker 1")]);
  });
  afterAll(async () => {
    await killAll();
    await s?.close();
  });

  it.each(Array.from({ length: RUNS }, (_, i) => i + 1))("run %i", async (run) => {
    await report.run(async (record) => {
      const victim = worker;
      // `charge` applies its effect, then hangs on its first attempt: the worker dies right there.
      const uuids = await createTasks(s.tasker, TASKS_PER_RUN, () => ({
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
      await expect.poll(hanging, { timeout: 60_000, interval: 200 }).toBe(TASKS_PER_RUN);
      const exit = await victim.kill("SIGKILL");
      expect(exit.signal).toBe("SIGKILL");
      const killedAt = Date.now();

      worker = await startWorker(s.url, config, `worker ${run + 1}`);
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

      // Each charge ran twice (the killed attempt and the takeover) and took effect once.
      const charges = await s.tasker.database.query<{ runs: number; effects: number; takeover_at: Date }>(
        `SELECT count(*)::int AS runs,
                (SELECT count(*)::int FROM reliability.effects e WHERE e.idempotency_key = x.task_uuid::text || ':charge') AS effects,
                max(x.started_at) AS takeover_at
           FROM reliability.executions x WHERE x.task_uuid = ANY($1::uuid[]) AND x.step = 'charge'
          GROUP BY x.task_uuid`,
        [uuids],
      );
      expect(charges).toHaveLength(TASKS_PER_RUN);
      for (const c of charges) {
        expect(c).toMatchObject({ runs: 2, effects: 1 });
        // Not before the dead worker's lease ran out (it was renewed until the kill).
        expect(c.takeover_at.getTime()).toBeGreaterThan(killedAt - 250);
      }
      for (const uuid of uuids) {
        const task = await s.tasker.client.getTask(uuid);
        const charge = task.steps.find((st) => st.name === "charge")!;
        expect(charge.attempts).toBe(2);
        const events = (await s.tasker.client.getStepAudit(uuid, charge.workflow_step_uuid)).map(
          (t) => t.event,
        );
        expect(events).toEqual([
          "create",
          "enqueue",
          "claim",
          "claim_expired",
          "claim",
          "succeed",
          "complete",
        ]);
      }
      if (run === RUNS) {
        const stopped = await worker.terminate(15_000);
        expect(stopped).toMatchObject({ code: 0, forced: false });
      }
    });
  });
});
