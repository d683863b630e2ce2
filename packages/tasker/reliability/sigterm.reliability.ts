// SIGTERM: a worker finishes the steps that end within its grace period, hands back the ones that
// do not (their attempt does not count), and exits 0. Another worker then completes the rest.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startOrchestrator, startWorker } from "./support/engine-processes.js";
import { killAll } from "./support/processes.js";
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
const FINISHING = 4;
const HANGING = 3;
const GRACE_MS = 3000;

describe("worker SIGTERM", () => {
  const report = scenarioReport(
    "worker SIGTERM (grace period)",
    6,
    `${FINISHING} steps finish + ${HANGING} released per run, ${GRACE_MS / 1000} s grace`,
  );
  let s: ScenarioDatabase;
  let config: string;

  beforeAll(async () => {
    s = await openScenarioDatabase("sigterm");
    config = writeConfig(s.dir, "worker", workerToml({ leaseSeconds: 5, shutdownMs: GRACE_MS }));
    await startOrchestrator(s.url);
  });
  afterAll(async () => {
    await killAll();
    await s?.close();
  });

  it.each(Array.from({ length: RUNS }, (_, i) => i + 1))("run %i", async () => {
    await report.run(async (record) => {
      // In this process the `hang` tasks never finish on their own.
      const worker = await startWorker(s.url, config, "worker", { RELIABILITY_HANG: "1" });
      const finishing = await createTasks(s.tasker, FINISHING, () => ({
        name: "single",
        namespace: "reliability",
        context: { sleep_ms: 1500 },
      }));
      const hanging = await createTasks(s.tasker, HANGING, () => ({
        name: "single",
        namespace: "reliability",
        context: { hang: true },
      }));
      const uuids = [...finishing, ...hanging];
      await expect
        .poll(
          async () =>
            (
              await s.tasker.database.query<{ n: number }>(
                "SELECT count(*)::int AS n FROM reliability.executions WHERE task_uuid = ANY($1::uuid[]) AND pid = $2",
                [uuids, worker.pid],
              )
            )[0]!.n,
          { timeout: 60_000, interval: 100 },
        )
        .toBe(uuids.length);

      const exit = await worker.terminate(GRACE_MS + 20_000);
      expect(exit).toMatchObject({ code: 0, signal: null, forced: false });
      // The grace period, plus the time to release the rest and close cleanly.
      expect(exit.ms).toBeLessThan(GRACE_MS + 10_000);

      const steps = await s.tasker.database.query<{ task_uuid: string; state: string; attempts: number }>(
        "SELECT task_uuid::text, state, attempts FROM tasker.workflow_steps WHERE task_uuid = ANY($1::uuid[])",
        [uuids],
      );
      for (const step of steps.filter((st) => finishing.includes(st.task_uuid))) {
        // Finished inside the grace period: the result is stored (and maybe already applied).
        expect(["enqueued_for_orchestration", "complete"]).toContain(step.state);
      }
      for (const step of steps.filter((st) => hanging.includes(st.task_uuid))) {
        // Handed back: ready for another worker, and the interrupted attempt does not count.
        expect(step).toMatchObject({ state: "enqueued", attempts: 0 });
      }
      const released = await s.tasker.database.query<{ metadata: { reason?: string } }>(
        `SELECT metadata FROM tasker.workflow_step_transitions
          WHERE task_uuid = ANY($1::uuid[]) AND event = 'claim_expired'`,
        [hanging],
      );
      expect(released.map((r) => r.metadata.reason)).toEqual(
        Array(HANGING).fill("worker shutdown released the step"),
      );

      const successor = await startWorker(s.url, config, "successor");
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
      const attempts = await s.tasker.database.query<{ attempts: number }>(
        "SELECT attempts FROM tasker.workflow_steps WHERE task_uuid = ANY($1::uuid[])",
        [hanging],
      );
      expect(attempts.map((a) => a.attempts)).toEqual(Array(HANGING).fill(1));
      // Nothing in flight: the successor stops at once.
      const idle = await successor.terminate(20_000);
      expect(idle).toMatchObject({ code: 0, forced: false });
    });
  });
});
