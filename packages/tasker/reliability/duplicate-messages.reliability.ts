// Duplicate and out-of-order queue messages injected while tasks run: every one is ignored (the
// worker logs the step messages it ignores) or only re-plans its task, and no step makes any
// transition twice.
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { namespaceQueue, ORCHESTRATION_QUEUE } from "../src/queue/queue-names.js";
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

const RUNS = 4;
const TASKS_PER_RUN = 15;
const STEPS = ["start", "left", "right", "join"];
const WORKER_QUEUE = namespaceQueue("reliability");

describe("duplicate and out-of-order queue messages", () => {
  const report = scenarioReport(
    "duplicate + out-of-order messages",
    5,
    `${TASKS_PER_RUN} diamond tasks per run, every message duplicated, stray results and dispatches`,
  );
  let s: ScenarioDatabase;
  let orchestrator: RunningProcess;
  let worker: RunningProcess;

  beforeAll(async () => {
    s = await openScenarioDatabase("duplicates");
    const config = writeConfig(s.dir, "worker", workerToml({ leaseSeconds: 2, concurrency: 8 }));
    [orchestrator, worker] = await Promise.all([
      startOrchestrator(s.url, "orchestrator", { TASKER_LOG_LEVEL: "info" }),
      startWorker(s.url, config, "worker", { TASKER_LOG_LEVEL: "info" }),
    ]);
  });
  afterAll(async () => {
    await killAll();
    await s?.close();
  });

  /**
   * One round of chaos: copy each engine message of these tasks once, and send results
   * and dispatches for random steps whatever their state - before they ran, while they run,
   * after they finished - plus re-evaluations of random tasks.
   */
  async function inject(uuids: string[], copiedIds: Set<string>): Promise<number> {
    const copied = await s.tasker.database.query<{ msg_id: string }>(
      `WITH src AS (
         SELECT msg_id, queue_name, message FROM tasker.queue_messages
          WHERE message->>'task_uuid' = ANY($1::text[]) AND NOT message ? 'injected'
            AND msg_id <> ALL($2::bigint[])
       ), ins AS (
         INSERT INTO tasker.queue_messages (queue_name, message)
         SELECT queue_name, message || '{"injected": true}' FROM src)
       SELECT msg_id::text FROM src`,
      [uuids, [...copiedIds]],
    );
    for (const c of copied) copiedIds.add(c.msg_id);
    const stray = await s.tasker.database.query<{ n: number }>(
      `WITH picked AS (
         SELECT s.task_uuid, s.workflow_step_uuid, t.correlation_id FROM tasker.workflow_steps s
           JOIN tasker.tasks t USING (task_uuid)
          WHERE s.task_uuid = ANY($1::uuid[]) ORDER BY random() LIMIT 3
       ), ins AS (
         INSERT INTO tasker.queue_messages (queue_name, message)
         SELECT q, jsonb_build_object('kind', k, 'task_uuid', task_uuid, 'step_uuid', workflow_step_uuid,
                                      'correlation_id', correlation_id, 'reason', 'injected', 'injected', true)
           FROM picked CROSS JOIN (VALUES ($2, 'step_result'), ($3, NULL), ($2, 'evaluate_task')) AS v(q, k)
         RETURNING queue_name)
       SELECT count(*)::int AS n FROM ins`,
      [uuids, ORCHESTRATION_QUEUE, WORKER_QUEUE],
    );
    await s.tasker.database.query(`SELECT pg_notify('tasker_queue', q) FROM (VALUES ($1), ($2)) AS v(q)`, [
      ORCHESTRATION_QUEUE,
      WORKER_QUEUE,
    ]);
    return copied.length + stray[0]!.n;
  }

  it.each(Array.from({ length: RUNS }, (_, i) => i + 1))("run %i", async () => {
    await report.run(async (record) => {
      const uuids = await createTasks(s.tasker, TASKS_PER_RUN, () => ({
        name: "diamond",
        namespace: "reliability",
        context: { sleep_ms: 40 },
      }));
      let injected = 0;
      let done = false;
      const copiedIds = new Set<string>();
      const chaos = (async () => {
        while (!done) {
          injected += await inject(uuids, copiedIds);
          await sleep(50);
        }
      })();
      await waitForTerminal(s.tasker, uuids, { stallMs: 30_000 });
      // A chain's steps run straight on without messages, so a fast engine can finish before much
      // was injected: stray messages after the end are part of the chaos too.
      for (let round = 0; round < 200 && injected <= TASKS_PER_RUN * STEPS.length; round++) await sleep(50);
      done = true;
      await chaos;
      // Injected dispatches of steps that were running come back after the 2 s lease, then go.
      await expect
        .poll(
          async () =>
            (
              await s.tasker.database.query<{ n: number }>(
                "SELECT count(*)::int AS n FROM tasker.queue_messages",
              )
            )[0]!.n,
          { timeout: 30_000, interval: 250 },
        )
        .toBe(0);

      const outcome = await measureOutcome(s.tasker, uuids);
      const doubled = await s.tasker.database.query<{ step: string; event: string; n: number }>(
        `SELECT workflow_step_uuid AS step, event, count(*)::int AS n FROM tasker.workflow_step_transitions
          WHERE task_uuid = ANY($1::uuid[]) GROUP BY workflow_step_uuid, event HAVING count(*) > 1`,
        [uuids],
      );
      record({
        tasks: uuids.length,
        lost: outcome.lost.length,
        duplicated: doubled.length + outcome.doubleCompleted,
      });
      expect(injected).toBeGreaterThan(TASKS_PER_RUN * STEPS.length);
      expect(outcome.lost).toEqual([]);
      expect(doubled).toEqual([]);
      expect(outcome.doubleCompleted).toBe(0);
      // Not one extra handler run: every step ran exactly once, and in dependency order.
      expect(outcome.executions).toBe(TASKS_PER_RUN * STEPS.length);
      const early = await s.tasker.database.query(
        `SELECT j.task_uuid FROM reliability.executions j JOIN reliability.executions p
            ON p.task_uuid = j.task_uuid AND p.step IN ('left', 'right')
          WHERE j.task_uuid = ANY($1::uuid[]) AND j.step = 'join' AND j.started_at < p.finished_at`,
        [uuids],
      );
      expect(early).toEqual([]);
      const audit = await s.tasker.database.query<{ events: string[] }>(
        `SELECT array_agg(event ORDER BY id) AS events FROM tasker.workflow_step_transitions
          WHERE task_uuid = ANY($1::uuid[]) GROUP BY workflow_step_uuid`,
        [uuids],
      );
      for (const a of audit) expect(a.events).toEqual(["create", "enqueue", "claim", "succeed", "complete"]);
    });
  });

  it("drops malformed messages (logged) instead of redelivering them forever", async () => {
    const malformed = [
      {},
      [],
      "not an object",
      { task_uuid: "not-a-uuid", step_uuid: "not-a-uuid", correlation_id: "x" },
      { task_uuid: 42, step_uuid: null },
    ];
    const orchestration = [
      ...malformed,
      { kind: "step_result", task_uuid: "not-a-uuid", step_uuid: "also-not", correlation_id: "x" },
      { kind: "evaluate_task", task_uuid: "not-a-uuid", correlation_id: "x", reason: "injected" },
      { kind: "something_else", task_uuid: "0190aaaa-0000-7000-8000-000000000000" },
    ];
    await s.tasker.database.query(
      `WITH ins AS (
         INSERT INTO tasker.queue_messages (queue_name, message)
         SELECT $1, m FROM jsonb_array_elements($2::jsonb) AS m
         UNION ALL SELECT $3, m FROM jsonb_array_elements($4::jsonb) AS m
         RETURNING queue_name)
       SELECT pg_notify('tasker_queue', q) FROM (SELECT DISTINCT queue_name AS q FROM ins) d`,
      [WORKER_QUEUE, JSON.stringify(malformed), ORCHESTRATION_QUEUE, JSON.stringify(orchestration)],
    );
    // Work goes on around them...
    const [uuid] = await createTasks(s.tasker, 1, () => ({ name: "diamond", namespace: "reliability" }));
    await waitForTerminal(s.tasker, [uuid!], { stallMs: 20_000 });
    expect((await measureOutcome(s.tasker, [uuid!])).lost).toEqual([]);
    // ...and each is dropped after one look, not retried every visibility timeout for ever.
    await expect
      .poll(
        async () =>
          (
            await s.tasker.database.query<{ n: number }>(
              "SELECT count(*)::int AS n FROM tasker.queue_messages",
            )
          )[0]!.n,
        { timeout: 20_000, interval: 250 },
      )
      .toBe(0);
  });

  it("both processes logged what they ignored and dropped", () => {
    const said = (p: RunningProcess, msg: string) => p.logs().filter((l) => l.msg === msg);
    // An injected step_result (what an older version sent) is read as a re-plan of its task, which
    // changes nothing when nothing is due: nothing to log.
    expect(said(worker, "duplicate or stale step message ignored").length).toBeGreaterThan(0);
    expect(said(orchestrator, "malformed orchestration message dropped").length).toBeGreaterThanOrEqual(8);
    expect(said(worker, "malformed step message dropped")[0]).toMatchObject({
      problem: expect.stringContaining("must be a UUID"),
      message: expect.any(String),
    });
  });
});
