// A handler's result or error that cannot be stored must end its step within max_attempts, never
// be redelivered for ever: one over the worker's size limit (maxResultBytes) fails the step at
// once with a permanent `result_too_large`, and one the database refuses for any other reason
// counts as a failed attempt (`outcome_not_stored`). The limit is small here: the real case (a
// result over jsonb's 256 MiB) needs gigabytes of memory.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { defineHandler, RetryableError } from "../../src/index.js";
import { parseTemplateObject } from "../../src/template/load.js";
import { testBackends } from "../../src/testing/index.js";
import { type Harness, startHarness } from "../support/engine-harness.js";

const NAMESPACE = "test_limits";
const LIMIT = 4096;

/** A one-step template whose step runs `limits.sized`. */
const oneStep = (name: string, maxAttempts: number) =>
  parseTemplateObject(
    {
      name,
      namespace_name: NAMESPACE,
      version: "1.0.0",
      steps: [
        {
          name: "a",
          handler: { callable: "limits.sized" },
          retry: { max_attempts: maxAttempts, backoff_base_ms: 50, max_backoff_ms: 200 },
        },
      ],
    },
    `${name}.yaml`,
  ).template;

/** What the handler returns or throws, from the task context. */
type Behaviour = {
  /** Return `{ data: "x" * n }` (JSON of n + 11 bytes). */
  result_bytes?: number;
  /** Throw a RetryableError whose message is n characters. */
  error_bytes?: number;
  /** Return a result the test database's trigger refuses to store. */
  refused?: boolean;
};

describe.each(testBackends())("results and errors that cannot be stored, on %s", (backend) => {
  let h: Harness;
  const runs: { task: string; attempt: number }[] = [];
  const sized = defineHandler("limits.sized", {}, async (ctx) => {
    runs.push({ task: ctx.taskUuid, attempt: ctx.attempt });
    const input = ctx.input as Behaviour;
    if (input.error_bytes) throw new RetryableError("e".repeat(input.error_bytes), { code: "huge_error" });
    if (input.refused) return { refused_by_database: true };
    return { data: "x".repeat(input.result_bytes ?? 1) };
  });

  beforeAll(async () => {
    h = await startHarness(backend, { worker: false });
    await h.tasker.templates.register([oneStep("sized", 3), oneStep("refusable", 2)]);
    // A database that refuses some results, as PostgreSQL refuses a jsonb value over its limits.
    await h.tasker.database.exec(`
      CREATE FUNCTION public.refuse_marked_result() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'total size of jsonb object elements exceeds the maximum (test trigger)'
          USING ERRCODE = 'program_limit_exceeded';
      END $$;
      CREATE TRIGGER refuse_marked_result BEFORE UPDATE ON tasker.workflow_steps FOR EACH ROW
        WHEN (jsonb_typeof(NEW.results) = 'object' AND NEW.results ? 'refused_by_database')
        EXECUTE FUNCTION public.refuse_marked_result();`);
    await h.tasker.startWorker({
      handlers: [sized],
      namespaces: [NAMESPACE],
      leaseSeconds: 2,
      pollIntervalMs: 100,
      maxResultBytes: LIMIT,
    });
  });
  afterAll(async () => {
    await h?.close();
  });

  const run = async (name: string, context: Behaviour) => {
    const { task } = await h.tasker.client.createTask({ name, namespace: NAMESPACE, context });
    return h.tasker.client.waitForTask(task.task_uuid, { timeoutMs: 15_000 });
  };
  const messages = async () =>
    (
      await h.tasker.database.query<{ n: number }>(
        "SELECT count(*)::int AS n FROM tasker.queue_messages WHERE queue_name LIKE '%test_limits%'",
      )
    )[0]!.n;

  it("fails a step whose result is over the limit at once (result_too_large), naming size and limit", async () => {
    const task = await run("sized", { result_bytes: 10_000 });
    expect(task.status).toBe("error");
    const a = task.steps[0]!;
    expect(a).toMatchObject({ current_state: "error", attempts: 1, results: null });
    expect(a.error).toMatchObject({
      code: "result_too_large",
      kind: "permanent",
      retryable: false,
      metadata: { payload: "result", size_bytes: 10_011, limit_bytes: LIMIT },
    });
    expect(a.error?.message).toContain("10011 bytes");
    expect(a.error?.message).toContain(`${LIMIT} bytes`);
    expect(runs.filter((r) => r.task === task.task_uuid)).toHaveLength(1);
    expect(await messages()).toBe(0);
  });

  it("stores a result of exactly the limit", async () => {
    const task = await run("sized", { result_bytes: LIMIT - 11 });
    expect(task.status).toBe("complete");
    expect(task.steps[0]!.results).toEqual({ data: "x".repeat(LIMIT - 11) });
  });

  it("fails a step whose error is over the limit at once, with a small result_too_large error", async () => {
    const task = await run("sized", { error_bytes: 10_000 });
    expect(task.status).toBe("error");
    const a = task.steps[0]!;
    expect(a).toMatchObject({ current_state: "error", attempts: 1 });
    expect(a.error).toMatchObject({
      code: "result_too_large",
      retryable: false,
      metadata: { payload: "error", limit_bytes: LIMIT, error_code: "huge_error" },
    });
    expect(Buffer.byteLength(JSON.stringify(a.error))).toBeLessThan(LIMIT);
    expect(runs.filter((r) => r.task === task.task_uuid)).toHaveLength(1);
  });

  it("counts an outcome the database refuses as a failed attempt: retried within max_attempts, then failed", async () => {
    const task = await run("refusable", { refused: true });
    expect(task.status).toBe("error");
    const a = task.steps[0]!;
    expect(a).toMatchObject({ current_state: "error", attempts: 2, max_attempts: 2, results: null });
    expect(a.error).toMatchObject({ code: "outcome_not_stored", kind: "retryable" });
    expect(a.error?.message).toContain("total size of jsonb object elements exceeds the maximum");
    expect(runs.filter((r) => r.task === task.task_uuid).map((r) => r.attempt)).toEqual([1, 2]);
    const audit = await h.tasker.client.getStepAudit(task.task_uuid, a.workflow_step_uuid);
    expect(audit.map((t) => t.event)).toEqual([
      "create",
      "enqueue",
      "claim",
      "fail",
      "schedule_retry",
      "enqueue",
      "claim",
      "fail",
      "error",
    ]);
    await expect.poll(messages, { timeout: 5000 }).toBe(0);
  });

  it("keeps running other tasks meanwhile", async () => {
    const [big, refused, fine] = await Promise.all([
      run("sized", { result_bytes: 100_000 }),
      run("refusable", { refused: true }),
      run("sized", { result_bytes: 10 }),
    ]);
    expect([big.status, refused.status, fine.status]).toEqual(["error", "error", "complete"]);
  });
});
