// A worker process SIGKILLed in the middle of a step, the task cancelled while the step's claim
// is still the dead worker's, then a new worker: the step must never start again (nothing starts
// after a cancel), the task stays cancelled, and the orphaned claim ends `cancelled` instead of
// being signalled and redelivered for ever. Tasks created afterwards complete as usual.
import { setTimeout as sleep } from "node:timers/promises";
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

describe("task cancelled while its worker is dead", () => {
  const report = scenarioReport(
    "cancel after a worker SIGKILL",
    1.5,
    `${TASKS_PER_RUN} tasks cancelled per kill, 2 created after`,
  );
  let s: ScenarioDatabase;
  let config: string;
  /** The worker of the next run: each run kills it and starts the one the following run kills. */
  let worker: RunningProcess;

  beforeAll(async () => {
    s = await openScenarioDatabase("cancel_crash");
    config = writeConfig(s.dir, "worker", workerToml({ leaseSeconds: LEASE_SECONDS }));
    [, worker] = await Promise.all([startOrchestrator(s.url), startWorker(s.url, config, "worker 1")]);
  });
  afterAll(async () => {
    await killAll();
    await s?.close();
  });

  const db = () => s.tasker.database;
  const count = async (sql: string, params: unknown[]) =>
    (await db().query<{ n: number }>(sql, params))[0]!.n;

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
        count(
          `SELECT count(*)::int AS n FROM reliability.executions
            WHERE task_uuid = ANY($1::uuid[]) AND step = 'charge' AND attempt = 1 AND pid = $2`,
          [uuids, victim.pid],
        );
      await expect.poll(hanging, { timeout: 60_000, interval: 100 }).toBe(TASKS_PER_RUN);
      const exit = await victim.kill("SIGKILL");
      expect(exit.signal).toBe("SIGKILL");

      // Cancelled while the dead worker's claims still hold (the lease has not run out yet).
      for (const uuid of uuids) {
        const cancelled = await s.tasker.client.cancelTask(uuid, `run ${run}: cancelled after the crash`);
        expect(cancelled.status).toBe("cancelled");
      }
      const cancelledAt = Date.now();
      worker = await startWorker(s.url, config, `worker ${run + 1}`);
      const controls = await createTasks(s.tasker, 2, () => ({ name: "chain", namespace: "reliability" }));

      // The orphaned claims end `cancelled` once their lease runs out (the lost-claim sweep).
      const orphaned = () =>
        count(
          `SELECT count(*)::int AS n FROM tasker.workflow_steps
            WHERE task_uuid = ANY($1::uuid[]) AND state NOT IN ('cancelled', 'complete')`,
          [uuids],
        );
      await expect.poll(orphaned, { timeout: 30_000, interval: 100 }).toBe(0);
      await waitForTerminal(s.tasker, controls, { stallMs: 30_000 });
      // Another lease and message visibility timeout: long enough for a redelivery to show.
      await sleep(Math.max(0, cancelledAt + (LEASE_SECONDS + 1.5) * 1000 - Date.now()));

      const reruns = await count(
        `SELECT count(*)::int AS n FROM reliability.executions
          WHERE task_uuid = ANY($1::uuid[]) AND NOT (step IN ('reserve', 'charge') AND attempt = 1)`,
        [uuids],
      );
      const statuses = await db().query<{ status: string }>(
        "SELECT status FROM tasker.tasks WHERE task_uuid = ANY($1::uuid[])",
        [uuids],
      );
      const control = await measureOutcome(s.tasker, controls);
      record({
        tasks: uuids.length + controls.length,
        // A cancelled task is kept when it stays cancelled; a control task when it completes.
        lost: statuses.filter((t) => t.status !== "cancelled").length + control.lost.length,
        duplicated: reruns + control.doubleApplied + control.doubleCompleted,
      });
      expect(reruns).toBe(0);
      expect(statuses.map((t) => t.status)).toEqual(Array(TASKS_PER_RUN).fill("cancelled"));
      expect(control.lost).toEqual([]);
      expect(control.doubleApplied + control.doubleCompleted + control.missingEffects).toBe(0);

      for (const uuid of uuids) {
        const task = await s.tasker.client.getTask(uuid);
        expect(task.steps.map((st) => [st.name, st.current_state, st.attempts])).toEqual([
          ["reserve", "complete", 1],
          ["charge", "cancelled", 1],
          ["notify", "cancelled", 0],
        ]);
        const charge = task.steps.find((st) => st.name === "charge")!;
        const audit = await s.tasker.client.getStepAudit(uuid, charge.workflow_step_uuid);
        expect(audit.map((t) => t.event)).toEqual(["create", "enqueue", "claim", "claim_expired", "cancel"]);
      }
      // Nothing left queued for the cancelled tasks: no signal keeps coming back.
      expect(
        await count(
          "SELECT count(*)::int AS n FROM tasker.queue_messages WHERE message->>'task_uuid' = ANY($1)",
          [uuids],
        ),
      ).toBe(0);
      if (run === RUNS) {
        const stopped = await worker.terminate(15_000);
        expect(stopped).toMatchObject({ code: 0, forced: false });
      }
    });
  });
});
