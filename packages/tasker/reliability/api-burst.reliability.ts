// A burst of task creations through the API, far beyond the backpressure limit: every request is
// either accepted (201) or refused with 503 + Retry-After; the unfinished tasks never exceed the
// limit; nothing is lost or half-written, and every accepted task completes. Each task takes
// TASK_MS and the worker runs WORKER_CONCURRENCY at a time, so it finishes at most 40 tasks a
// second, far fewer than even a slow machine creates: the limit is reached and refusals happen
// on any machine (with instant tasks, a 2-core machine's worker kept up and nothing was refused).
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ADMIN_KEY, type ServeProcess, startServe, startWorker } from "./support/engine-processes.js";
import { killAll } from "./support/processes.js";
import {
  measureOutcome,
  openScenarioDatabase,
  type ScenarioDatabase,
  waitForTerminal,
  workerToml,
  writeConfig,
} from "./support/scenario-database.js";
import { scenarioReport, volume } from "./support/scenario-report.js";

const REQUESTS = volume(10_000, 1_000);
const IN_FLIGHT = 50;
const MAX_PENDING = 150;
const TASK_MS = 500;
const WORKER_CONCURRENCY = 20;
const UNFINISHED =
  "SELECT count(*)::int AS n FROM tasker.tasks WHERE status NOT IN ('complete', 'error', 'cancelled', 'resolved_manually')";

interface Answer {
  i: number;
  status: number;
  retryAfter: string | null;
  code?: string;
  taskUuid?: string;
  error?: string;
}

describe("a burst of task creations through the API", () => {
  const report = scenarioReport(
    "API burst (backpressure)",
    7,
    `${REQUESTS.toLocaleString("en-US")} POST /v1/tasks (${TASK_MS} ms tasks), ${IN_FLIGHT} in flight, max_pending_tasks ${MAX_PENDING}`,
  );
  let s: ScenarioDatabase;
  let serve: ServeProcess;

  beforeAll(async () => {
    s = await openScenarioDatabase("burst");
    const serveConfig = writeConfig(
      s.dir,
      "serve",
      `[common.database]\npool_max = 10\n[common.queues]\nvisibility_timeout_seconds = 5\npoll_interval_ms = 100\n[orchestration]\nmax_pending_tasks = ${MAX_PENDING}\n`,
    );
    const workerConfig = writeConfig(s.dir, "worker", workerToml({ concurrency: WORKER_CONCURRENCY }));
    [serve] = await Promise.all([
      startServe(s.url, ["--config", serveConfig]),
      startWorker(s.url, workerConfig),
    ]);
  });
  afterAll(async () => {
    await killAll();
    await s?.close();
  });

  async function create(i: number): Promise<Answer> {
    try {
      const response = await fetch(`${serve.url}/v1/tasks`, {
        method: "POST",
        headers: { "content-type": "application/json", "x-api-key": ADMIN_KEY },
        body: JSON.stringify({
          name: "single",
          namespace: "reliability",
          context: { i, sleep_ms: TASK_MS },
          idempotency_key: `burst-${i}`,
        }),
        signal: AbortSignal.timeout(60_000),
      });
      const body = (await response.json()) as { task_uuid?: string; error?: { code: string } };
      return {
        i,
        status: response.status,
        retryAfter: response.headers.get("retry-after"),
        ...(body.task_uuid ? { taskUuid: body.task_uuid } : {}),
        ...(body.error ? { code: body.error.code } : {}),
      };
    } catch (err) {
      return { i, status: 0, retryAfter: null, error: (err as Error).message };
    }
  }

  /** Samples the unfinished tasks every 20 ms until `done` resolves; returns the most seen. */
  async function watchUnfinished(done: Promise<unknown>): Promise<{ max: number; samples: number }> {
    let finished = false;
    void done.finally(() => {
      finished = true;
    });
    let max = 0;
    let samples = 0;
    while (!finished) {
      const [row] = await s.tasker.database.query<{ n: number }>(UNFINISHED);
      max = Math.max(max, row!.n);
      samples++;
      await sleep(20);
    }
    return { max, samples };
  }

  it(`answers ${REQUESTS} creations with 201 or 503 + Retry-After, never over the limit, and runs every accepted task`, async () => {
    await report.run(async (record) => {
      const answers: Answer[] = [];
      let next = 0;
      const started = Date.now();
      const burst = Promise.all(
        Array.from({ length: IN_FLIGHT }, async () => {
          for (let i = next++; i < REQUESTS; i = next++) answers.push(await create(i));
        }),
      );
      const unfinished = await watchUnfinished(burst);
      await burst;
      const burstMs = Date.now() - started;
      const accepted = answers.filter((a) => a.status === 201);
      const refused = answers.filter((a) => a.status === 503);
      const other = answers.filter((a) => a.status !== 201 && a.status !== 503);
      const uuids = accepted.map((a) => a.taskUuid!);
      await waitForTerminal(s.tasker, uuids, { stallMs: 30_000 });
      const outcome = await measureOutcome(s.tasker, uuids);
      record({
        tasks: uuids.length,
        lost: outcome.lost.length + (REQUESTS - answers.length) + other.length,
        duplicated: outcome.doubleApplied + outcome.doubleCompleted,
      });
      process.stdout.write(
        `  burst: ${accepted.length} accepted, ${refused.length} refused in ${(burstMs / 1000).toFixed(1)} s; at most ${unfinished.max} unfinished (${unfinished.samples} samples)\n`,
      );

      expect(other.slice(0, 5)).toEqual([]);
      expect(answers).toHaveLength(REQUESTS);
      expect(accepted.length).toBeGreaterThanOrEqual(MAX_PENDING);
      expect(refused.length).toBeGreaterThan(0);
      // The limit was reached and held: never more unfinished tasks than max_pending_tasks.
      expect(unfinished.max).toBeLessThanOrEqual(MAX_PENDING);
      expect(unfinished.max).toBeGreaterThanOrEqual(MAX_PENDING * 0.9);
      for (const r of refused) {
        expect(r.code).toBe("BACKPRESSURE");
        expect(Number(r.retryAfter)).toBeGreaterThanOrEqual(1);
      }
      expect(outcome.lost).toEqual([]);
      expect(outcome.doubleApplied + outcome.doubleCompleted).toBe(0);

      // What the database holds is exactly what was accepted: whole tasks, nothing from refusals.
      const stored = await s.tasker.database.query<{ task_uuid: string; key: string; steps: number }>(
        `SELECT t.task_uuid::text, t.idempotency_key AS key,
                (SELECT count(*)::int FROM tasker.workflow_steps s WHERE s.task_uuid = t.task_uuid) AS steps
           FROM tasker.tasks t WHERE t.idempotency_key LIKE 'burst-%'`,
      );
      expect(stored.map((t) => t.task_uuid).sort()).toEqual([...uuids].sort());
      expect(stored.map((t) => t.key).sort()).toEqual(accepted.map((a) => `burst-${a.i}`).sort());
      expect(stored.filter((t) => t.steps !== 1)).toEqual([]);
      const live = await fetch(`${serve.url}/health/live`);
      expect(live.status).toBe(200);
    });
  });
});
