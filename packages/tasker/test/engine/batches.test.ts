// Batches (issue #27): a batchable step's outcome creates one instance of its worker template per
// batch, each with its cursor, and the convergence step after them sees every instance's result.
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  batchInputs,
  batchResults,
  createBatches,
  defineHandler,
  noBatches,
  PermanentError,
  planBatches,
  Tasker,
} from "../../src/index.js";
import { OutcomeStore } from "../../src/lifecycle/outcome-store.js";
import { planFromCounts, planFromSteps } from "../../src/lifecycle/store-outcomes.js";
import { createLogger } from "../../src/observability/logger.js";
import { parseTemplateObject } from "../../src/template/load.js";
import { createTestDatabase, type TestDatabase, testBackends } from "../../src/testing/index.js";
import { storedByHand } from "../support/stored-by-hand.js";

/** prepare -> split (batchable) -> process_batch_* -> aggregate (convergence) -> report */
const bulk = (name: string, batchConfig: Record<string, unknown> = {}) =>
  parseTemplateObject({
    name,
    namespace_name: "test_batches",
    version: "1.0.0",
    steps: [
      { name: "prepare", handler: { callable: "batches.prepare" } },
      {
        name: "split",
        type: "batchable",
        dependencies: ["prepare"],
        handler: { callable: "batches.split" },
        batch_config: {
          batch_size: 500,
          worker_template: "process_batch",
          cursor_field: "row",
          ...batchConfig,
        },
      },
      {
        name: "process_batch",
        type: "batch_worker",
        dependencies: ["split"],
        handler: { callable: "batches.process", initialization: { unit: "row" } },
        retry: { max_attempts: 2, backoff_base_ms: 20, max_backoff_ms: 50 },
      },
      {
        name: "aggregate",
        type: "deferred_convergence",
        dependencies: ["process_batch"],
        handler: { callable: "batches.aggregate" },
      },
      { name: "report", dependencies: ["aggregate"], handler: { callable: "batches.report" } },
    ],
  }).template;

type Input = {
  total: number;
  batch_size?: number;
  /** Milliseconds each instance takes. */
  instance_ms?: number;
  /** Batch ids whose instance fails for good. */
  fail?: string[];
  /** A raw outcome for split to return. */
  outcome?: unknown;
  /** split returns a plain result, with no outcome at all. */
  plain?: boolean;
};
type Counted = { batch_id: string; count: number; sum: number; from: number };

describe.each(testBackends())("batches on %s", (backend) => {
  let tasker: Tasker;
  let db: TestDatabase | undefined;
  let running = 0;
  let mostAtOnce = 0;
  /** The dependency results' names each instance's handler got, by step name. */
  const dependenciesSeen = new Map<string, string[]>();
  /** The batch_config the batchable step's handler got last. */
  let batchConfigSeen: unknown;
  beforeAll(async () => {
    if (backend === "postgres") db = await createTestDatabase();
    tasker = await Tasker.open({
      ...(db ? { databaseUrl: db.url } : { dataDir: "memory://" }),
      templates: [
        bulk("bulk"),
        bulk("bulk_two_at_once", { batch_size: 1, parallelism: 2 }),
        bulk("bulk_isolate", { failure_strategy: "isolate" }),
        bulk("bulk_fail_fast", { batch_size: 1, parallelism: 2, failure_strategy: "fail_fast" }),
        { ...bulk("bulk"), namespace_name: "test_batches_manual" },
        {
          ...bulk("bulk_fail_fast", { batch_size: 1, parallelism: 2, failure_strategy: "fail_fast" }),
          namespace_name: "test_batches_manual",
        },
      ],
    });
    // A quick lost-claim sweep, for the instances whose worker dies.
    await tasker.startOrchestrator({ pollIntervalMs: 100, sweepIntervalMs: 200 });
    const split = defineHandler("batches.split", {}, async (ctx) => {
      const input = ctx.input as unknown as Input;
      batchConfigSeen = ctx.batchConfig;
      if (input.outcome) return { batch_processing_outcome: input.outcome };
      if (input.plain) return { planned: false };
      if (input.total === 0) return noBatches({ reason: "no rows" });
      // The template's batch_size unless the task says otherwise.
      const plan = planBatches({
        total: input.total,
        batchSize: input.batch_size,
        batchConfig: ctx.batchConfig,
      });
      return createBatches(plan, {
        result: { planned: true },
      });
    });
    const process = defineHandler("batches.process", {}, async (ctx) => {
      const input = ctx.input as unknown as Input;
      const batch = batchInputs(ctx);
      dependenciesSeen.set(ctx.stepName, Object.keys(ctx.dependencyResults).sort());
      running++;
      mostAtOnce = Math.max(mostAtOnce, running);
      try {
        if (input.instance_ms) await sleep(input.instance_ms);
        if (input.fail?.includes(batch.batch_id)) throw new PermanentError(`batch ${batch.batch_id} refused`);
        let cursor =
          typeof ctx.resumeFrom?.cursor === "number" ? ctx.resumeFrom.cursor : Number(batch.start_cursor);
        const from = cursor;
        let sum = 0;
        for (; cursor < Number(batch.end_cursor); cursor++) {
          sum += cursor;
          if ((cursor + 1) % 250 === 0) await ctx.checkpoint({ cursor: cursor + 1 });
        }
        return {
          batch_id: batch.batch_id,
          count: Number(batch.end_cursor) - from,
          sum,
          from,
        } satisfies Counted;
      } finally {
        running--;
      }
    });
    const aggregate = defineHandler("batches.aggregate", {}, async (ctx) => {
      const results = batchResults<Counted>(ctx.dependencyResults, "process_batch");
      const done = results.flatMap((r) => (r.failed ? [] : [r.result]));
      return {
        batches: results.length,
        count: done.reduce((n, r) => n + r.count, 0),
        sum: done.reduce((n, r) => n + r.sum, 0),
        failed: results.flatMap((r) => (r.failed ? [`${r.batch_id}: ${r.result.error.message}`] : [])),
      };
    });
    await tasker.startWorker({
      handlers: [
        defineHandler("batches.prepare", {}, async () => ({ ready: true })),
        split,
        process,
        aggregate,
        defineHandler("batches.report", {}, async (ctx) => ctx.dependencyResults.aggregate),
      ],
      namespaces: ["test_batches"],
      pollIntervalMs: 100,
      concurrency: 8,
    });
  });
  afterAll(async () => {
    await tasker?.close();
    await db?.drop();
  });

  const run = async (context: Input, name = "bulk") => {
    const { task } = await tasker.client.createTask({ name, namespace: "test_batches", context });
    return tasker.client.waitForTask(task.task_uuid, { timeoutMs: 60_000 });
  };
  const stepRows = (taskUuid: string) =>
    tasker.database.query<{ name: string; state: string; initialization: Record<string, unknown> }>(
      "SELECT name, state, initialization FROM tasker.workflow_steps WHERE task_uuid = $1 ORDER BY position",
      [taskUuid],
    );

  it("fails a batchable step for good when its result carries no outcome at all", async () => {
    const task = await run({ total: 10, plain: true });
    expect(task.status).toBe("error");
    const split = task.steps.find((s) => s.name === "split");
    expect(split?.error).toMatchObject({
      code: "invalid_batch_outcome",
      retryable: false,
      message: expect.stringContaining(
        'batchable step "split" returned a result without a batch_processing_outcome',
      ),
    });
    expect(split?.attempts).toBe(1);
    expect(task.steps.some((s) => s.name.startsWith("process_"))).toBe(false);
  });

  it("starts a task with the steps up to its batchable step", async () => {
    const { task } = await tasker.client.createTask({
      name: "bulk",
      namespace: "test_batches_manual",
      context: { total: 10 },
    });
    expect((await stepRows(task.task_uuid)).map((s) => s.name)).toEqual(["prepare", "split"]);
  });

  it("create_batches: 10,000 items in batches of 500, the convergence step sees every instance", async () => {
    const done = await run({ total: 10_000 });
    expect(done.status).toBe("complete");
    // The batchable step's handler got its batch_config, and planned with its batch_size.
    expect(batchConfigSeen).toEqual({
      batch_size: 500,
      worker_template: "process_batch",
      cursor_field: "row",
      failure_strategy: "continue_on_failure",
    });
    const rows = await stepRows(done.task_uuid);
    const instances = rows.filter((s) => s.name.startsWith("process_batch_"));
    expect(instances.map((s) => s.name)).toEqual(
      Array.from({ length: 20 }, (_, i) => `process_batch_${String(i + 1).padStart(3, "0")}`),
    );
    expect(instances[1]?.initialization).toEqual({
      unit: "row",
      batch: {
        batch_id: "002",
        start_cursor: 500,
        end_cursor: 1000,
        batch_size: 500,
        cursor_field: "row",
        total_items: 10_000,
        batch_count: 20,
        no_op: false,
        failure_strategy: "continue_on_failure",
      },
    });
    expect(rows.map((s) => s.name).filter((n) => !n.startsWith("process_batch_"))).toEqual([
      "prepare",
      "split",
      "aggregate",
      "report",
    ]);
    const report = done.steps.find((s) => s.name === "report");
    expect(report?.results).toEqual({ batches: 20, count: 10_000, sum: (9_999 * 10_000) / 2, failed: [] });
  });

  it("no_batches: one no-op instance runs, so the convergence step still runs", async () => {
    const done = await run({ total: 0 });
    expect(done.status).toBe("complete");
    const rows = await stepRows(done.task_uuid);
    expect(rows.map((s) => s.name)).toEqual(["prepare", "split", "process_batch_0", "aggregate", "report"]);
    expect(rows[2]?.initialization.batch).toMatchObject({ no_op: true, batch_size: 0, batch_count: 1 });
    expect(done.steps.find((s) => s.name === "report")?.results).toEqual({
      batches: 1,
      count: 0,
      sum: 0,
      failed: [],
    });
  });

  it("parallelism: at most that many instances run at once, each one done starts the next", async () => {
    mostAtOnce = 0;
    const done = await run({ total: 6, batch_size: 1, instance_ms: 150 }, "bulk_two_at_once");
    expect(done.status).toBe("complete");
    expect(mostAtOnce).toBe(2);
    // Instance k waits for k - 2, but only its ancestors' results are its dependencies'.
    for (let k = 1; k <= 6; k++) {
      expect(dependenciesSeen.get(`process_batch_00${k}`), `process_batch_00${k}`).toEqual([
        "prepare",
        "split",
      ]);
    }
    expect(done.steps.find((s) => s.name === "report")?.results).toEqual({
      batches: 6,
      count: 6,
      sum: 15,
      failed: [],
    });
  });

  it("an outcome that cannot be applied fails the batchable step for good, naming the fault", async () => {
    const done = await run({
      total: 2,
      outcome: {
        type: "create_batches",
        cursor_configs: [
          { batch_id: "a", start_cursor: 0, end_cursor: 1, batch_size: 1 },
          { batch_id: "a", start_cursor: 1, end_cursor: 2, batch_size: 1 },
        ],
      },
    });
    expect(done.status).toBe("error");
    const split = done.steps.find((s) => s.name === "split");
    expect(split?.error).toMatchObject({ code: "invalid_batch_outcome", metadata: { step_names: ["a"] } });
    expect((await stepRows(done.task_uuid)).map((s) => s.name)).toEqual(["prepare", "split"]);
  });

  it("continue_on_failure: an instance that fails for good ends complete saying so; the convergence step sees it", async () => {
    const done = await run({ total: 1500, fail: ["002"] });
    expect(done.status).toBe("complete");
    expect(done.steps.find((s) => s.name === "process_batch_002")?.results).toEqual({
      batch_failed: true,
      batch_id: "002",
      error: { message: "batch 002 refused", code: null, kind: "permanent" },
    });
    expect(done.steps.find((s) => s.name === "report")?.results).toEqual({
      batches: 3,
      count: 1000,
      sum: (499 * 500) / 2 + (1000 + 1499) * 250,
      failed: ["002: batch 002 refused"],
    });
  });

  it("isolate: an instance that fails for good fails alone, the others finish, the convergence step waits", async () => {
    const done = await run({ total: 1500, fail: ["002"] }, "bulk_isolate");
    expect(done.status).toBe("error");
    const states = Object.fromEntries((await stepRows(done.task_uuid)).map((s) => [s.name, s.state]));
    expect(states).toMatchObject({
      process_batch_001: "complete",
      process_batch_002: "error",
      process_batch_003: "complete",
      aggregate: "pending",
      report: "pending",
    });
  });

  it("fail_fast: an instance that fails for good cancels those not started; the task fails once the running ones end", async () => {
    const done = await run({ total: 6, batch_size: 1, instance_ms: 100, fail: ["002"] }, "bulk_fail_fast");
    expect(done.status).toBe("error");
    const states = Object.fromEntries((await stepRows(done.task_uuid)).map((s) => [s.name, s.state]));
    // 001 and 002 start together (parallelism 2); 002 fails, 001 was running and finishes; 003 (behind
    // 001) may have started before the cancel; 004 (behind 002), 005 and 006 never start.
    expect(states).toMatchObject({
      process_batch_001: "complete",
      process_batch_002: "error",
      process_batch_004: "cancelled",
      process_batch_006: "cancelled",
      aggregate: "pending",
      report: "pending",
    });
    expect(["complete", "cancelled"]).toContain(states.process_batch_003);
    const [task] = await tasker.database.query<{ steps_running: number; steps_failed: number }>(
      "SELECT steps_running, steps_failed FROM tasker.tasks WHERE task_uuid = $1",
      [done.task_uuid],
    );
    expect(task).toEqual({ steps_running: 0, steps_failed: 1 });
    // The cancelled instances cannot run again: no action on the failed one could finish the task.
    const [failed] = await tasker.database.query<{ uuid: string }>(
      "SELECT workflow_step_uuid AS uuid FROM tasker.workflow_steps WHERE task_uuid = $1 AND name = 'process_batch_002'",
      [done.task_uuid],
    );
    for (const action of [
      { action_type: "reset_for_retry", reset_by: "ops", reason: "try again" },
      { action_type: "resolve_manually", resolved_by: "ops", reason: "skip it" },
    ] as const) {
      await expect(tasker.client.updateStep(done.task_uuid, failed!.uuid, action)).rejects.toMatchObject({
        code: "CONFLICT",
        message: expect.stringContaining("stopped its batch (failure_strategy: fail_fast)"),
      });
    }
    expect((await tasker.client.getTask(done.task_uuid)).status).toBe("error");
  });

  describe("an instance whose worker died on its last attempt (the lost-claim sweep fails it)", () => {
    const { claim, store } = storedByHand(() => tasker.database, planFromCounts, "w-dies");
    const uuidOf = async (taskUuid: string, name: string) =>
      (
        await tasker.database.query<{ uuid: string }>(
          "SELECT workflow_step_uuid AS uuid FROM tasker.workflow_steps WHERE task_uuid = $1 AND name = $2",
          [taskUuid, name],
        )
      )[0]!.uuid;
    /** A task of `name` with three instances, the second's worker dead on its last attempt (`lost`). */
    async function withLostInstance(name: string, lost = true) {
      const { task } = await tasker.client.createTask({
        name,
        namespace: "test_batches_manual",
        context: {},
      });
      const taskUuid = task.task_uuid;
      await store(await claim(await uuidOf(taskUuid, "prepare")), { ok: true, result: {} });
      await store(await claim(await uuidOf(taskUuid, "split")), {
        ok: true,
        result: createBatches(planBatches({ total: 3, batchSize: 1 })),
      });
      const second = await uuidOf(taskUuid, "process_batch_002");
      await claim(second);
      if (!lost) return taskUuid;
      await tasker.database.query(
        `UPDATE tasker.workflow_steps SET max_attempts = attempts, claim_expires_at = now() - interval '1 second'
          WHERE workflow_step_uuid = $1`,
        [second],
      );
      return taskUuid;
    }
    const statesOf = async (taskUuid: string) =>
      Object.fromEntries((await stepRows(taskUuid)).map((s) => [s.name, s.state]));

    it("continue_on_failure: it ends complete with a batch_failed result, as any failure for good", async () => {
      const taskUuid = await withLostInstance("bulk");
      await expect
        .poll(async () => (await statesOf(taskUuid)).process_batch_002, { timeout: 10_000, interval: 100 })
        .toBe("complete");
      const [row] = await tasker.database.query<{ results: unknown }>(
        "SELECT results FROM tasker.workflow_steps WHERE task_uuid = $1 AND name = 'process_batch_002'",
        [taskUuid],
      );
      expect(row?.results).toMatchObject({
        batch_failed: true,
        batch_id: "002",
        error: { code: "lease_expired", kind: "worker_lost" },
      });
      expect(await statesOf(taskUuid)).toMatchObject({
        process_batch_001: "enqueued",
        process_batch_003: "enqueued",
      });
    });

    it("fail_fast: an instance's failure for good and the cancel of those not started are one commit", async () => {
      const taskUuid = await withLostInstance("bulk_fail_fast", false);
      const failing = await uuidOf(taskUuid, "process_batch_002");
      const outcomes = new OutcomeStore(tasker.database, {
        jitterPercent: 0,
        writeConcurrency: 1,
        maxBatch: 1,
        shutdown: new AbortController().signal,
        logger: createLogger({ level: "silent" }),
      });
      const stored = await outcomes.store({
        claim: { task_uuid: taskUuid, workflow_step_uuid: failing, attempts: 1 },
        workerId: "w-dies",
        outboxMsgId: null,
        outcome: {
          ok: false,
          error: {
            message: "refused",
            code: null,
            retryable: false,
            kind: "permanent",
            metadata: null,
            retry_after_ms: null,
          },
        },
        log: createLogger({ level: "silent" }),
        retryForMs: 1000,
      });
      expect(stored?.stored.applied).toBe("failed");
      // Nothing else ran meanwhile: the siblings were cancelled by the commit that stored it.
      expect(await statesOf(taskUuid)).toMatchObject({
        process_batch_001: "cancelled",
        process_batch_002: "error",
        process_batch_003: "cancelled",
      });
      expect((await tasker.client.getTask(taskUuid)).status).toBe("error");
    });

    it("fail_fast: it fails and cancels the instances not started; the task fails", async () => {
      const taskUuid = await withLostInstance("bulk_fail_fast");
      await expect
        .poll(async () => (await tasker.client.getTask(taskUuid)).status, { timeout: 10_000, interval: 100 })
        .toBe("error");
      expect(await statesOf(taskUuid)).toMatchObject({
        process_batch_001: "cancelled",
        process_batch_002: "error",
        process_batch_003: "cancelled",
        aggregate: "pending",
      });
    });
  });

  describe.each([
    ["planFromCounts", planFromCounts],
    ["planFromSteps", planFromSteps],
  ] as const)("a batchable step's outcome stored more than once (%s)", (_, planner) => {
    const { claim, store } = storedByHand(() => tasker.database, planner, "w-replay");
    async function atTheSplit() {
      const { task } = await tasker.client.createTask({
        name: "bulk",
        namespace: "test_batches_manual",
        context: {},
      });
      const [prepare] = await names(task.task_uuid, "prepare");
      await store(await claim(prepare!.uuid), { ok: true, result: {} });
      const [split] = await names(task.task_uuid, "split");
      return { taskUuid: task.task_uuid, split: await claim(split!.uuid) };
    }
    function names(taskUuid: string, name: string) {
      return tasker.database.query<{ uuid: string }>(
        "SELECT workflow_step_uuid AS uuid FROM tasker.workflow_steps WHERE task_uuid = $1 AND name = $2",
        [taskUuid, name],
      );
    }
    const outcome = {
      ok: true as const,
      result: createBatches(planBatches({ total: 1200, batchSize: 500 })),
    };
    const expectCreatedOnce = async (taskUuid: string) => {
      const rows = await tasker.database.query<{ name: string; state: string; unfinished_parents: number }>(
        `SELECT name, state, unfinished_parents FROM tasker.workflow_steps WHERE task_uuid = $1 ORDER BY name`,
        [taskUuid],
      );
      expect(rows).toEqual([
        { name: "aggregate", state: "pending", unfinished_parents: 3 },
        { name: "prepare", state: "complete", unfinished_parents: 0 },
        { name: "process_batch_001", state: "enqueued", unfinished_parents: 0 },
        { name: "process_batch_002", state: "enqueued", unfinished_parents: 0 },
        { name: "process_batch_003", state: "enqueued", unfinished_parents: 0 },
        { name: "report", state: "pending", unfinished_parents: 1 },
        { name: "split", state: "complete", unfinished_parents: 0 },
      ]);
      const [task] = await tasker.database.query<{ step_count: number; steps_running: number }>(
        "SELECT step_count, steps_running FROM tasker.tasks WHERE task_uuid = $1",
        [taskUuid],
      );
      expect(task).toEqual({ step_count: 7, steps_running: 3 });
    };

    it("one after the other: the second is ignored", async () => {
      const { taskUuid, split } = await atTheSplit();
      const [first] = await store(split, outcome);
      const [second] = await store(split, outcome);
      expect(first?.applied).toBe("completed");
      expect(second).toBeUndefined();
      await expectCreatedOnce(taskUuid);
    });

    it("at the same time: the instances are created once", async () => {
      const { taskUuid, split } = await atTheSplit();
      const stored = await Promise.all([store(split, outcome), store(split, outcome)]);
      expect(stored.flat().filter((s) => s?.applied === "completed")).toHaveLength(1);
      await expectCreatedOnce(taskUuid);
    });
  });
});
