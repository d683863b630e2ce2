// Checkpoints: a step's next attempt resumes where the last one saved its progress, whether it
// crashed, timed out, or its worker process was killed; a worker that lost the step cannot save one.
import type { ChildProcess } from "node:child_process";
import { once } from "node:events";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Tasker } from "../../src/index.js";
import { saveCheckpoint } from "../../src/store/sql/checkpoints.js";
import { claimStep } from "../../src/store/sql/steps.js";
import { createTestDatabase, type TestDatabase, testBackends } from "../../src/testing/index.js";
import {
  BATCH_JOB_TEMPLATE,
  type BatchJobInput,
  type BatchRun,
  batchJobHandlers,
} from "../support/batch-job.js";
import {
  COUNTING_TEMPLATES,
  type CountingInput,
  type CountingRun,
  countingStep,
} from "../support/counting-step.js";
import { startWorkerProcess } from "../support/worker-process.js";

const stepRow = async (tasker: Tasker, taskUuid: string) =>
  (
    await tasker.database.query<{
      workflow_step_uuid: string;
      checkpoint: Record<string, unknown> | null;
      checkpointed_at: Date | null;
    }>(
      "SELECT workflow_step_uuid, checkpoint, checkpointed_at FROM tasker.workflow_steps WHERE task_uuid = $1",
      [taskUuid],
    )
  )[0]!;

describe.each(testBackends())("checkpoints on %s", (backend) => {
  let tasker: Tasker;
  let db: TestDatabase | undefined;
  const runs: CountingRun[] = [];
  beforeAll(async () => {
    if (backend === "postgres") db = await createTestDatabase();
    tasker = await Tasker.open({
      ...(db ? { databaseUrl: db.url } : { dataDir: "memory://" }),
      templates: COUNTING_TEMPLATES,
    });
    await tasker.startOrchestrator({ pollIntervalMs: 100 });
    await tasker.startWorker({ handlers: [countingStep(runs)], pollIntervalMs: 100 });
  });
  afterAll(async () => {
    await tasker?.close();
    await db?.drop();
  });

  const run = async (context: CountingInput, name = "counting") => {
    const { task } = await tasker.client.createTask({ name, namespace: "test_ckpt", context });
    const done = await tasker.client.waitForTask(task.task_uuid, { timeoutMs: 30_000 });
    return { done, runs: runs.filter((r) => r.task === task.task_uuid) };
  };

  it("a first attempt starts from nothing and keeps its last checkpoint", async () => {
    const { done, runs: mine } = await run({ total: 250, every: 100 });
    expect(done.status).toBe("complete");
    expect(mine).toEqual([{ task: done.task_uuid, attempt: 1, from: 0, items: 250 }]);
    const row = await stepRow(tasker, done.task_uuid);
    expect(row.checkpoint).toEqual({ cursor: 200, items_processed: 200 });
    expect(row.checkpointed_at).not.toBeNull();
  });

  it("the attempt after a crash resumes from the last checkpoint", async () => {
    const { done, runs: mine } = await run({
      total: 500,
      every: 100,
      first_attempt: { at: 250, action: "crash" },
    });
    expect(done.status).toBe("complete");
    expect(mine.map(({ attempt, from, items }) => ({ attempt, from, items }))).toEqual([
      { attempt: 1, from: 0, items: 250 },
      { attempt: 2, from: 200, items: 300 },
    ]);
    expect(done.steps[0]!.results).toEqual({ total: 500, resumed_from: 200 });
  });

  it("the attempt after a timeout resumes from the last checkpoint", async () => {
    const { done, runs: mine } = await run({
      total: 300,
      every: 100,
      first_attempt: { at: 100, action: "hang" },
    });
    expect(done.status).toBe("complete");
    expect(mine.map(({ attempt, from }) => ({ attempt, from }))).toEqual([
      { attempt: 1, from: 0 },
      { attempt: 2, from: 100 },
    ]);
  });
});

describe.each(testBackends())("stale claims and checkpoints on %s", (backend) => {
  let tasker: Tasker;
  let db: TestDatabase | undefined;
  beforeAll(async () => {
    if (backend === "postgres") db = await createTestDatabase();
    tasker = await Tasker.open({
      ...(db ? { databaseUrl: db.url } : { dataDir: "memory://" }),
      templates: COUNTING_TEMPLATES,
    });
  });
  afterAll(async () => {
    await tasker?.close();
    await db?.drop();
  });

  it("refuses the checkpoint of a worker whose lease passed to another; takes the new holder's", async () => {
    const { task } = await tasker.client.createTask({
      name: "counting_slow",
      namespace: "test_ckpt",
      context: { total: 1, every: 1 },
    });
    const uuid = (await stepRow(tasker, task.task_uuid)).workflow_step_uuid;
    const save = (workerId: string, attempts: number, cursor: number) =>
      saveCheckpoint(tasker.database, {
        stepUuid: uuid,
        workerId,
        attempts,
        checkpointJson: JSON.stringify({ cursor }),
        leaseSeconds: 0.2,
      });
    const first = await claimStep(tasker.database, uuid, "worker-1", 0.2);
    expect(first).toMatchObject({ attempts: 1, checkpoint: null });
    expect(await save("worker-1", 1, 100)).toMatchObject({ saved: true, taskEnded: false });
    await sleep(400); // worker-1's lease (extended by its checkpoint) runs out
    const second = await claimStep(tasker.database, uuid, "worker-2", 30);
    expect(second).toMatchObject({ attempts: 2, checkpoint: { cursor: 100 } });
    expect(await save("worker-1", 1, 200)).toEqual({ saved: false });
    expect(await save("worker-2", 1, 200)).toEqual({ saved: false });
    expect(await save("worker-2", 2, 300)).toMatchObject({ saved: true });
    expect((await stepRow(tasker, task.task_uuid)).checkpoint).toEqual({ cursor: 300 });
  });

  it("a checkpoint extends the lease", async () => {
    const { task } = await tasker.client.createTask({
      name: "counting_slow",
      namespace: "test_ckpt",
      context: { total: 1, every: 1 },
    });
    const uuid = (await stepRow(tasker, task.task_uuid)).workflow_step_uuid;
    await claimStep(tasker.database, uuid, "worker-1", 1);
    const saved = await saveCheckpoint(tasker.database, {
      stepUuid: uuid,
      workerId: "worker-1",
      attempts: 1,
      checkpointJson: "{}",
      leaseSeconds: 60,
    });
    expect(saved.saved && saved.leaseExpiresAt.getTime() - Date.now()).toBeGreaterThan(50_000);
    expect(await claimStep(tasker.database, uuid, "worker-2", 30)).toBe("busy");
  });
});

describe.skipIf(!testBackends().includes("postgres"))("a worker process killed mid-step", () => {
  let tasker: Tasker;
  let db: TestDatabase;
  let child: ChildProcess | undefined;
  beforeAll(async () => {
    db = await createTestDatabase();
    tasker = await Tasker.open({
      databaseUrl: db.url,
      templates: [...COUNTING_TEMPLATES, BATCH_JOB_TEMPLATE],
    });
    await tasker.startOrchestrator({ pollIntervalMs: 100 });
  });
  afterAll(async () => {
    child?.kill("SIGKILL");
    await tasker?.close();
    await db?.drop();
  });

  it("is taken over after its lease, from its last checkpoint", async () => {
    const worker = await startWorkerProcess(
      new URL("./fixtures/counting-worker.ts", import.meta.url),
      db.url,
    );
    child = worker.child;
    const total = 2000;
    const { task } = await tasker.client.createTask({
      name: "counting_slow",
      namespace: "test_ckpt",
      context: { total, every: 100, item_ms: 2 } satisfies CountingInput,
    });
    const checkpoints = () => [...worker.output().matchAll(/CHECKPOINT (\d+)/g)].map((m) => Number(m[1]));
    await expect.poll(() => checkpoints().length, { timeout: 30_000 }).toBeGreaterThanOrEqual(3);
    worker.child.kill("SIGKILL");
    await once(worker.child, "exit");
    const lastSeen = Math.max(...checkpoints());
    expect(lastSeen).toBeLessThan(total);

    const runs: CountingRun[] = [];
    await tasker.startWorker({
      handlers: [countingStep(runs)],
      namespaces: ["test_ckpt"],
      leaseSeconds: 2,
      pollIntervalMs: 100,
    });
    const done = await tasker.client.waitForTask(task.task_uuid, { timeoutMs: 60_000 });
    expect(done.status).toBe("complete");
    // The dead worker saved at least what it printed (maybe one more it had no time to print).
    expect(runs).toHaveLength(1);
    const [resumed] = runs;
    expect(resumed).toMatchObject({ attempt: 2 });
    expect([lastSeen, lastSeen + 100]).toContain(resumed!.from);
    expect(resumed!.items).toBe(total - resumed!.from);
    expect(done.steps[0]!.results).toEqual({ total, resumed_from: resumed!.from });
    const audit = await tasker.client.getStepAudit(done.task_uuid, done.steps[0]!.workflow_step_uuid);
    expect(audit.map((t) => t.event)).toEqual([
      "create",
      "enqueue",
      "claim",
      "claim_expired",
      "claim",
      "succeed",
      "complete",
    ]);
  });

  it("a batch instance is taken over after its lease, from its last checkpoint; the batch completes", async () => {
    const worker = await startWorkerProcess(
      new URL("./fixtures/batch-job-worker.ts", import.meta.url),
      db.url,
    );
    child = worker.child;
    const { task } = await tasker.client.createTask({
      name: "slow_bulk",
      namespace: "test_bkill",
      context: { total: 2000, batch_size: 1000, every: 100, item_ms: 2 } satisfies BatchJobInput,
    });
    const checkpoints = () =>
      [...worker.output().matchAll(/CHECKPOINT (rows_\d+) (\d+)/g)].map((m) => ({
        step: m[1],
        cursor: Number(m[2]),
      }));
    await expect.poll(() => checkpoints().length, { timeout: 30_000 }).toBeGreaterThanOrEqual(3);
    worker.child.kill("SIGKILL");
    await once(worker.child, "exit");
    // parallelism 1: the first instance was running; the second had not started.
    const seen = checkpoints();
    expect(new Set(seen.map((c) => c.step))).toEqual(new Set(["rows_001"]));
    const lastSeen = Math.max(...seen.map((c) => c.cursor));

    const runs: BatchRun[] = [];
    await tasker.startWorker({
      handlers: batchJobHandlers(runs),
      namespaces: ["test_bkill"],
      leaseSeconds: 2,
      pollIntervalMs: 100,
    });
    const done = await tasker.client.waitForTask(task.task_uuid, { timeoutMs: 60_000 });
    expect(done.status).toBe("complete");
    const resumed = runs.find((r) => r.step === "rows_001");
    expect(resumed).toMatchObject({ attempt: 2 });
    expect([lastSeen, lastSeen + 100]).toContain(resumed!.from);
    expect(runs.find((r) => r.step === "rows_002")).toEqual({ step: "rows_002", attempt: 1, from: 1000 });
    expect(done.steps.find((s) => s.name === "sum")?.results).toEqual({ count: 2000 });
  });
});
