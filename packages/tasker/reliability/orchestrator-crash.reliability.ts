// The orchestrator process SIGKILLed while it has work only it can do, then killed again while
// catching up. Workers apply their own results, so what an orchestrator still owns is what needs a
// clock (docs/architecture.md): the wake-up of a task whose retry backoff is over (a delayed
// message on the orchestration queue), and the recovery of steps whose worker died (the lost-claim
// sweep re-signals a step claimed without a queue message, e.g. one a worker continued with).
// Every step here fails once before it succeeds and the worker is SIGKILLed with the orchestrator,
// so while no orchestrator runs, due retries and lost claims must stay put (else this scenario no
// longer tests the orchestrator), and once it is back every task completes, each result applied
// once and each step run again at most once more than its attempts, for a step the dead worker held.
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

const TASKS_PER_RUN = 40;
const STEPS_PER_TASK = 3;
/** charge and notify fail on their first attempt: 5 handler runs per task without a crash. */
const RUNS_PER_TASK = 5;
const STEP_MS = 250;
const LEASE_SECONDS = 2;
/** Each run kills the orchestrator after a different share of the steps has completed. */
const KILL_AFTER = [0.1, 0.35, 0.6];

interface StepState {
  workflow_step_uuid: string;
  state: string;
  updated_at: Date;
}

describe("orchestrator SIGKILLed while retries and lost claims wait for it", () => {
  const report = scenarioReport(
    "orchestrator SIGKILLed, restarted",
    2,
    `${TASKS_PER_RUN} 3-step tasks per run, 2 retries each; orchestrator and worker killed at ${KILL_AFTER.map((k) => `${k * 100}%`).join("/")}, orchestrator again while catching up`,
  );
  let s: ScenarioDatabase;
  let config: string;
  let orchestrator: RunningProcess;
  let worker: RunningProcess;
  let workers = 1;

  beforeAll(async () => {
    s = await openScenarioDatabase("orchestrator_crash");
    config = writeConfig(s.dir, "worker", workerToml({ concurrency: 16, leaseSeconds: LEASE_SECONDS }));
    [orchestrator, worker] = await Promise.all([
      startOrchestrator(s.url),
      startWorker(s.url, config, "worker 1"),
    ]);
  });
  afterAll(async () => {
    await killAll();
    await s?.close();
  });

  const count = (sql: string, uuids: string[]) =>
    s.tasker.database.query<{ n: number }>(sql, [uuids]).then((r) => r[0]!.n);
  const completedSteps = (uuids: string[]) =>
    count(
      "SELECT count(*)::int AS n FROM tasker.workflow_steps WHERE task_uuid = ANY($1::uuid[]) AND state = 'complete'",
      uuids,
    );
  /**
   * Steps only an orchestrator can move: retries due for a second (their wake-up is a message on
   * the orchestration queue), and leases expired for a second on steps claimed without a queue
   * message (a worker takes over a step whose message comes back by itself).
   */
  const waitingForOrchestrator = (uuids: string[]) =>
    s.tasker.database.query<StepState>(
      `SELECT workflow_step_uuid::text, state, updated_at FROM tasker.workflow_steps s
        WHERE task_uuid = ANY($1::uuid[])
          AND ((state = 'waiting_for_retry' AND next_retry_at < now() - interval '1 second')
            OR (state = 'in_progress' AND claim_expires_at < now() - interval '1 second'
                AND NOT EXISTS (SELECT 1 FROM tasker.queue_messages m
                                 WHERE m.message->>'step_uuid' = s.workflow_step_uuid::text)))
        ORDER BY workflow_step_uuid`,
      [uuids],
    );
  const statesOf = (steps: StepState[]) =>
    s.tasker.database.query<StepState>(
      `SELECT workflow_step_uuid::text, state, updated_at FROM tasker.workflow_steps
        WHERE workflow_step_uuid = ANY($1::uuid[]) ORDER BY workflow_step_uuid`,
      [steps.map((x) => x.workflow_step_uuid)],
    );

  it.each(KILL_AFTER)("killed after %d of the steps", { timeout: 240_000 }, async (share) => {
    await report.run(async (record) => {
      const uuids = await createTasks(s.tasker, TASKS_PER_RUN, (i) => ({
        name: "chain",
        namespace: "reliability",
        context: { sleep_ms: STEP_MS + (i % 3) * 50, fail: { charge: [1], notify: [1] } },
      }));
      const totalSteps = TASKS_PER_RUN * STEPS_PER_TASK;
      await expect
        .poll(() => completedSteps(uuids), { timeout: 60_000, interval: 20 })
        .toBeGreaterThanOrEqual(Math.floor(totalSteps * share));

      // Both die; a new worker carries on without an orchestrator.
      expect((await orchestrator.kill("SIGKILL")).signal).toBe("SIGKILL");
      expect((await worker.kill("SIGKILL")).signal).toBe("SIGKILL");
      const held = new Set(
        (
          await s.tasker.database.query<{ uuid: string }>(
            "SELECT workflow_step_uuid::text AS uuid FROM tasker.workflow_steps WHERE task_uuid = ANY($1::uuid[]) AND state = 'in_progress'",
            [uuids],
          )
        ).map((r) => r.uuid),
      );
      const heldByDeadWorker = held.size;
      worker = await startWorker(s.url, config, `worker ${++workers}`);

      // Retries fall due and the dead worker's leases run out, and nothing but an orchestrator
      // moves those steps.
      await sleep((LEASE_SECONDS + 1.5) * 1000);
      await expect
        .poll(async () => (await waitingForOrchestrator(uuids)).length, { timeout: 30_000, interval: 100 })
        .toBeGreaterThan(0);
      const stuck = await waitingForOrchestrator(uuids);
      await sleep(1500);
      expect(await statesOf(stuck)).toEqual(stuck);
      const stuckRetries = stuck.filter((x) => x.state === "waiting_for_retry").length;
      const stuckClaims = stuck.length - stuckRetries;
      expect(stuckRetries, "retries due while no orchestrator ran").toBeGreaterThan(0);
      expect(stuckClaims, "lost claims while no orchestrator ran").toBeGreaterThan(0);

      // Back, and killed again once it is catching up (some of the stuck steps moved).
      orchestrator = await startOrchestrator(s.url, "orchestrator (restarted)");
      const moved = async () => {
        const now = await statesOf(stuck);
        return now.filter((x, i) => x.state !== stuck[i]!.state).length;
      };
      await expect.poll(moved, { timeout: 30_000, interval: 20 }).toBeGreaterThan(0);
      expect((await orchestrator.kill("SIGKILL")).signal).toBe("SIGKILL");
      orchestrator = await startOrchestrator(s.url, "orchestrator (restarted twice)");
      await waitForTerminal(s.tasker, uuids, { stallMs: 30_000 });

      const outcome = await measureOutcome(s.tasker, uuids);
      // At-least-once, bounded: a step the dead worker held may run once more (its run was cut,
      // or it finished but its result was never stored) or once less (it was cut before its run
      // was recorded, on the attempt meant to fail); every other step ran exactly as often as its
      // attempts asked (reserve once, charge and notify twice) and finished once.
      const runs = await s.tasker.database.query<{
        uuid: string;
        name: string;
        runs: number;
        finished: number;
      }>(
        `SELECT s.workflow_step_uuid::text AS uuid, s.name,
                count(x.id)::int AS runs, count(x.finished_at)::int AS finished
           FROM tasker.workflow_steps s LEFT JOIN reliability.executions x ON x.step_uuid = s.workflow_step_uuid
          WHERE s.task_uuid = ANY($1::uuid[]) GROUP BY s.workflow_step_uuid, s.name`,
        [uuids],
      );
      const expectedRuns = (name: string) => (name === "reserve" ? 1 : 2);
      const offBy = (r: (typeof runs)[number]) => r.runs - expectedRuns(r.name);
      expect(runs).toHaveLength(TASKS_PER_RUN * STEPS_PER_TASK);
      expect(runs.filter((r) => !held.has(r.uuid) && (offBy(r) !== 0 || r.finished !== 1))).toEqual([]);
      expect(runs.filter((r) => held.has(r.uuid) && (Math.abs(offBy(r)) > 1 || r.finished > 2))).toEqual([]);
      const reRuns = runs.filter((r) => offBy(r) > 0).length;
      record({
        tasks: uuids.length,
        lost: outcome.lost.length,
        duplicated: outcome.doubleApplied + Math.max(0, outcome.doubleCompleted - heldByDeadWorker),
      });
      process.stdout.write(
        `  killed at ${share * 100}%: ${heldByDeadWorker} steps held by the dead worker; ${stuckRetries} retries and ${stuckClaims} lost claims waited for the orchestrator; ${reRuns} steps ran again\n`,
      );
      expect(outcome.lost).toEqual([]);
      expect(outcome.doubleApplied).toBe(0);
      expect(outcome.missingEffects).toBe(0);
      expect(outcome.executions).toBeLessThanOrEqual(TASKS_PER_RUN * RUNS_PER_TASK + heldByDeadWorker);
      expect(outcome.doubleCompleted).toBeLessThanOrEqual(heldByDeadWorker);
      // charge and notify ended complete after at least 2 attempts, and their first failure was
      // retried, which only an orchestrator does (unless the dead worker cut that attempt short:
      // then the lease ran out and the step was taken over instead).
      const [retried] = await s.tasker.database.query<{
        steps: number;
        retries: number;
        min_attempts: number;
      }>(
        `SELECT count(*)::int AS steps,
                count(*) FILTER (WHERE EXISTS (SELECT 1 FROM tasker.workflow_step_transitions x
                                   WHERE x.workflow_step_uuid = s.workflow_step_uuid AND x.event = 'schedule_retry'))::int AS retries,
                min(s.attempts)::int AS min_attempts
           FROM tasker.workflow_steps s
          WHERE s.task_uuid = ANY($1::uuid[]) AND s.name IN ('charge', 'notify') AND s.state = 'complete'`,
        [uuids],
      );
      expect(retried!.steps).toBe(TASKS_PER_RUN * 2);
      expect(retried!.min_attempts).toBeGreaterThanOrEqual(2);
      expect(retried!.retries).toBeGreaterThanOrEqual(TASKS_PER_RUN * 2 - heldByDeadWorker);
      // Nothing is left behind in the queues (a killed orchestrator's messages come back after
      // its visibility timeout, 3 s, and are then settled).
      await expect
        .poll(
          () =>
            count("SELECT count(*)::int AS n FROM tasker.queue_messages WHERE $1::uuid[] IS NOT NULL", uuids),
          {
            timeout: 20_000,
            interval: 200,
          },
        )
        .toBe(0);
    });
  });
});
