// Handlers whose outcome cannot be stored, in a real worker process: a result or an error over the
// worker's max_result_bytes, and a result the database refuses (a trigger raising what PostgreSQL
// raises for a jsonb value over its limit). Each must end its step failed within max_attempts -
// not be redelivered for ever, as a 300 MB result once was (attempts 12 of 2, the message queued
// 24 times, other tasks stalled) - while the queue stays bounded and other tasks keep completing.
// The limit is small (64 KiB) so the outcomes are 1 MiB, not gigabytes.
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

const LIMIT = 64 * 1024;
const OVERSIZED = 1024 * 1024;
const FAILING_TASKS = 4;
const OTHER_TASKS = 12;
const LEASE_SECONDS = 2;

/** What the `bounded` template's step (max_attempts 2) does, and how it must end. */
const KINDS = [
  {
    kind: "result over the limit",
    context: { result_bytes: OVERSIZED },
    code: "result_too_large",
    attempts: 1,
  },
  {
    kind: "error over the limit",
    context: { error_bytes: OVERSIZED },
    code: "result_too_large",
    attempts: 1,
  },
  {
    kind: "result the database refuses",
    context: { refused_result: true },
    code: "outcome_not_stored",
    attempts: 2,
  },
] as const;

// What PostgreSQL does with a jsonb value over its limit, for results holding this key.
const REFUSING_TRIGGER = `
  CREATE FUNCTION reliability.refuse_result() RETURNS trigger LANGUAGE plpgsql AS $$
  BEGIN
    RAISE EXCEPTION 'total size of jsonb object elements exceeds the maximum of 268435455 bytes'
      USING ERRCODE = 'program_limit_exceeded';
  END $$;
  CREATE TRIGGER refuse_result BEFORE UPDATE ON tasker.workflow_steps FOR EACH ROW
    WHEN (jsonb_typeof(NEW.results) = 'object' AND NEW.results ? 'refused_by_database')
    EXECUTE FUNCTION reliability.refuse_result();`;

describe("results and errors that cannot be stored", () => {
  const report = scenarioReport(
    "oversized or refused outcomes",
    6.5,
    `${FAILING_TASKS} failing + ${OTHER_TASKS} 2-step tasks per run; 1 MiB outcomes, max_result_bytes 64 KiB`,
  );
  let s: ScenarioDatabase;
  let worker: RunningProcess;

  beforeAll(async () => {
    s = await openScenarioDatabase("oversized");
    await s.tasker.database.exec(REFUSING_TRIGGER);
    const config = writeConfig(
      s.dir,
      "worker",
      workerToml({ leaseSeconds: LEASE_SECONDS, maxResultBytes: LIMIT }),
    );
    [, worker] = await Promise.all([startOrchestrator(s.url), startWorker(s.url, config)]);
  });
  afterAll(async () => {
    await killAll();
    await s?.close();
  });

  const count = async (sql: string, params: unknown[] = []) =>
    (await s.tasker.database.query<{ n: number }>(sql, params))[0]!.n;
  const queueDepth = () => count("SELECT count(*)::int AS n FROM tasker.queue_messages");

  it.each(KINDS)("$kind", async ({ context, code, attempts }) => {
    await report.run(async (record) => {
      // The queue's depth, sampled all along: it must never grow beyond the work in flight.
      const depths: number[] = [];
      let sampling = true;
      const sampler = (async () => {
        while (sampling) {
          depths.push(await queueDepth().catch(() => 0));
          await sleep(50);
        }
      })();
      const [failing, others] = await Promise.all([
        createTasks(s.tasker, FAILING_TASKS, () => ({ name: "bounded", namespace: "reliability", context })),
        createTasks(s.tasker, OTHER_TASKS, () => ({ name: "pair", namespace: "reliability" })),
      ]);
      await waitForTerminal(s.tasker, [...failing, ...others], { stallMs: 20_000 });
      // A lease and a sweep later, nothing came back: no step is signalled again.
      await sleep((LEASE_SECONDS + 1) * 1000);
      sampling = false;
      await sampler;

      const steps = await s.tasker.database.query<{
        status: string;
        state: string;
        attempts: number;
        max_attempts: number;
        error: {
          code: string;
          message: string;
          retryable: boolean;
          metadata: Record<string, unknown>;
        } | null;
        results: unknown;
        claims: number;
        runs: number;
      }>(
        `SELECT t.status, s.state, s.attempts, s.max_attempts, s.error, s.results,
                (SELECT count(*)::int FROM tasker.workflow_step_transitions x
                  WHERE x.workflow_step_uuid = s.workflow_step_uuid AND x.event = 'claim') AS claims,
                (SELECT count(*)::int FROM reliability.executions e WHERE e.step_uuid = s.workflow_step_uuid) AS runs
           FROM tasker.tasks t JOIN tasker.workflow_steps s USING (task_uuid)
          WHERE t.task_uuid = ANY($1::uuid[])`,
        [failing],
      );
      const asExpected = steps.filter(
        (st) =>
          st.status === "error" &&
          st.state === "error" &&
          st.attempts === attempts &&
          st.claims === attempts &&
          st.runs === attempts &&
          st.error?.code === code,
      );
      const outcome = await measureOutcome(s.tasker, others);
      const overMax = await count(
        "SELECT count(*)::int AS n FROM tasker.workflow_steps WHERE attempts > max_attempts",
      );
      record({
        tasks: failing.length + others.length,
        lost: failing.length - asExpected.length + outcome.lost.length,
        duplicated: outcome.doubleApplied + outcome.doubleCompleted + overMax,
      });

      expect(steps).toHaveLength(FAILING_TASKS);
      for (const st of steps) {
        expect(st).toMatchObject({
          status: "error",
          state: "error",
          attempts,
          claims: attempts,
          runs: attempts,
        });
        expect(st.attempts).toBeLessThanOrEqual(st.max_attempts);
        expect(st.results).toBeNull();
        expect(st.error?.code).toBe(code);
        if (code === "result_too_large") {
          expect(st.error).toMatchObject({ retryable: false, metadata: { limit_bytes: LIMIT } });
          expect(st.error!.metadata.size_bytes).toBeGreaterThan(OVERSIZED);
          expect(st.error!.message).toContain(`the limit is ${LIMIT} bytes`);
          expect(Buffer.byteLength(JSON.stringify(st.error))).toBeLessThan(LIMIT);
        } else {
          expect(st.error!.message).toContain("total size of jsonb object elements exceeds the maximum");
        }
      }
      expect(overMax).toBe(0);
      // The other tasks completed meanwhile, each step once.
      expect(outcome.lost).toEqual([]);
      expect(outcome.doubleApplied + outcome.doubleCompleted + outcome.missingEffects).toBe(0);
      // The queue never held more than the work in flight, and is empty now and stays so.
      expect(Math.max(...depths)).toBeLessThanOrEqual(FAILING_TASKS + OTHER_TASKS);
      expect(depths.slice(-10)).toEqual(Array(10).fill(0));
      // The worker that ran them all is the one started first: it never crashed.
      expect(worker.child.exitCode).toBeNull();
    });
  });

  it("the worker stops cleanly afterwards", async () => {
    const stopped = await worker.terminate(15_000);
    expect(stopped).toMatchObject({ code: 0, forced: false });
  });
});
