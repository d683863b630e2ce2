import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { TaskerError } from "../../src/client/index.js";
import { testBackends } from "../../src/testing/index.js";
import { type Harness, type ProgrammableContext, startHarness } from "../support/engine-harness.js";

describe.each(testBackends())("failures, retries and operator actions on %s", (backend) => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness(backend);
  });
  afterAll(async () => {
    await h?.close();
  });

  const create = async (name: string, context: ProgrammableContext = {}) =>
    (await h.tasker.client.createTask({ name, namespace: "test_alpha", context })).task;
  const run = async (name: string, context: ProgrammableContext = {}) =>
    h.tasker.client.waitForTask((await create(name, context)).task_uuid, { timeoutMs: 20_000 });
  const step = (task: { steps: { name: string }[] }, name: string) =>
    task.steps.find((s) => s.name === name) as (typeof task.steps)[number] & {
      attempts: number;
      current_state: string;
      error?: { message: string; code: string | null; kind: string } | null;
      results?: unknown;
      workflow_step_uuid: string;
    };

  it("retries a retryable failure and completes on the second attempt", async () => {
    const task = await run("retrying", { fail: { a: { mode: "retryable", times: 1 } } });
    expect(task.status).toBe("complete");
    expect(step(task, "a").attempts).toBe(2);
    const audit = await h.tasker.client.getStepAudit(task.task_uuid, step(task, "a").workflow_step_uuid);
    expect(audit.map((t) => t.to_state)).toContain("waiting_for_retry");
  });

  it("treats an unexpected exception as retryable", async () => {
    const task = await run("retrying", { fail: { a: { mode: "throw", times: 2 } } });
    expect(task.status).toBe("complete");
    expect(step(task, "a").attempts).toBe(3);
  });

  it("ends the step and the task in error on a permanent error, without retrying", async () => {
    const task = await run("retrying", { fail: { a: { mode: "permanent" } } });
    expect(task.status).toBe("error");
    expect(step(task, "a")).toMatchObject({ current_state: "error", attempts: 1 });
    expect(step(task, "a").error).toMatchObject({ code: "refused", kind: "permanent", retryable: false });
    expect(step(task, "b").current_state).toBe("pending");
    expect(task.error).toContain("step a failed (refused)");
    expect(task.execution_status).toBe("blocked_by_failures");
  });

  it("publishes a failure's events with its message exactly, whatever characters it holds", async () => {
    const message = 'quote " backslash \\ newline\n tab\t unicode 😀 json {"a": [1, "\\u0000"]}';
    const all: { task: string; event: string; error: string | null }[] = [];
    const stop = h.tasker.events.on("*", (e) => {
      all.push({ task: e.task_uuid, event: e.event, error: e.error });
    });
    try {
      const task = await create("retrying", { fail: { a: { mode: "permanent", message } } });
      const done = await h.tasker.client.waitForTask(task.task_uuid, { timeoutMs: 20_000 });
      expect(done.status).toBe("error");
      const heard = () => all.filter((e) => e.task === task.task_uuid);
      await vi.waitFor(() => expect(heard().map((e) => e.event)).toContain("task.failed"));
      expect(heard().find((e) => e.event === "step.failed")?.error).toBe(message);
      expect(heard().find((e) => e.event === "task.failed")?.error).toBe(
        `step a failed (refused): ${message}`,
      );
    } finally {
      stop();
    }
  });

  it("gives up after max_attempts and reports why", async () => {
    const task = await run("retrying", { fail: { a: { mode: "retryable" } } });
    expect(task.status).toBe("error");
    expect(step(task, "a")).toMatchObject({ current_state: "error", attempts: 3, max_attempts: 3 });
    expect(task.failed_steps).toBe(1);
  });

  it("times out a hanging step (retryable) and fails it when attempts run out", async () => {
    const started = Date.now();
    const task = await run("retrying", { fail: { b: { mode: "hang" } } });
    expect(task.status).toBe("error");
    expect(step(task, "b")).toMatchObject({ current_state: "error", attempts: 2 });
    expect(step(task, "b").error).toMatchObject({ kind: "timeout", code: "timeout" });
    expect(Date.now() - started).toBeLessThan(15_000);
  });

  it("honours a handler's retry-after delay", async () => {
    const task = await run("retrying", { fail: { a: { mode: "retryable", times: 1, retry_after_ms: 600 } } });
    expect(task.status).toBe("complete");
    const runs = h.executions.filter((e) => e.task === task.task_uuid && e.step === "a");
    expect(runs).toHaveLength(2);
    expect(runs[1]!.start - runs[0]!.end).toBeGreaterThanOrEqual(550);
  });

  it("cancels mid-run: the running step finishes, nothing new starts", async () => {
    const task = await create("linear5", { sleep_ms: { a: 800 } });
    await expect
      .poll(async () => step(await h.tasker.client.getTask(task.task_uuid), "a").current_state, {
        timeout: 10_000,
      })
      .toBe("in_progress");
    const cancelled = await h.tasker.client.cancelTask(task.task_uuid, "customer changed their mind");
    expect(cancelled.status).toBe("cancelled");
    await expect
      .poll(async () => step(await h.tasker.client.getTask(task.task_uuid), "a").current_state, {
        timeout: 10_000,
      })
      .toBe("complete");
    await new Promise((r) => setTimeout(r, 300));
    const after = await h.tasker.client.getTask(task.task_uuid);
    expect(after.status).toBe("cancelled");
    expect(after.steps.slice(1).map((s) => s.current_state)).toEqual(Array(4).fill("cancelled"));
    expect(h.executions.some((e) => e.task === task.task_uuid && e.step === "b")).toBe(false);
    await expect(h.tasker.client.cancelTask(task.task_uuid)).rejects.toMatchObject({ code: "CONFLICT" });
  });

  it("resets a failed step for retry and the task completes", async () => {
    const failed = await run("retrying", { fail: { a: { mode: "permanent", times: 1 } } });
    expect(failed.status).toBe("error");
    const reset = await h.tasker.client.retryStep(
      failed.task_uuid,
      step(failed, "a").workflow_step_uuid,
      "fixed upstream",
    );
    expect(["enqueued", "in_progress", "enqueued_for_orchestration", "complete"]).toContain(
      reset.current_state,
    );
    const done = await h.tasker.client.waitForTask(failed.task_uuid, { timeoutMs: 10_000 });
    expect(done.status).toBe("complete");
  });

  it("resolves a failed step manually so its dependants run", async () => {
    const failed = await run("retrying", { fail: { a: { mode: "permanent" } } });
    await h.tasker.client.resolveStepManually(
      failed.task_uuid,
      step(failed, "a").workflow_step_uuid,
      "done by hand",
    );
    const done = await h.tasker.client.waitForTask(failed.task_uuid, { timeoutMs: 10_000 });
    expect(done.status).toBe("complete");
    expect(step(done, "a").current_state).toBe("resolved_manually");
    expect(step(done, "b").current_state).toBe("complete");
  });

  it("completes a failed step manually with a result that dependants read", async () => {
    const failed = await run("retrying", { fail: { a: { mode: "permanent" } } });
    const s = await h.tasker.client.completeStepManually(
      failed.task_uuid,
      step(failed, "a").workflow_step_uuid,
      { manual: 42 },
      "ops",
    );
    expect(s.results).toEqual({ manual: 42 });
    const done = await h.tasker.client.waitForTask(failed.task_uuid, { timeoutMs: 10_000 });
    expect(done.status).toBe("complete");
    expect(step(done, "b").results).toMatchObject({ saw: ["a"] });
  });

  it("refuses step actions from the wrong state with a conflict", async () => {
    const done = await run("retrying");
    await expect(
      h.tasker.client.retryStep(done.task_uuid, step(done, "a").workflow_step_uuid, "why not"),
    ).rejects.toMatchObject({ code: "CONFLICT", status: 409 });
  });

  it("refuses to resolve or complete steps whose parents have not run (a -> (b, c) -> d while a runs)", async () => {
    const task = await create("diamond", { sleep_ms: { a: 1500 } });
    await expect
      .poll(async () => step(await h.tasker.client.getTask(task.task_uuid), "a").current_state, {
        timeout: 10_000,
      })
      .toBe("in_progress");
    const running = await h.tasker.client.getTask(task.task_uuid);
    const uuidOf = (name: string) => step(running, name).workflow_step_uuid;
    const notRun =
      "operator actions apply to steps that failed or are waiting for a retry, and this one has not run yet";
    await expect(
      h.tasker.client.completeStepManually(task.task_uuid, uuidOf("b"), { by_hand: true }, "skip b"),
    ).rejects.toMatchObject({
      code: "CONFLICT",
      status: 409,
      message: `step b is pending; complete_manually is only allowed from waiting_for_retry, error: ${notRun}`,
    });
    await expect(
      h.tasker.client.resolveStepManually(task.task_uuid, uuidOf("d"), "skip d"),
    ).rejects.toMatchObject({
      code: "CONFLICT",
      message: `step d is pending; resolve_manually is only allowed from waiting_for_retry, error: ${notRun}`,
    });
    await expect(
      h.tasker.client.resolveStepManually(task.task_uuid, uuidOf("a"), "skip a"),
    ).rejects.toMatchObject({
      code: "CONFLICT",
      message: expect.stringMatching(/^step a is in_progress; resolve_manually is only allowed from /),
    });
    // Nothing changed: every step runs, in order, and the task completes.
    const done = await h.tasker.client.waitForTask(task.task_uuid, { timeoutMs: 20_000 });
    expect(done.status).toBe("complete");
    expect(done.steps.map((s) => s.current_state)).toEqual(Array(4).fill("complete"));
    const ran = h.executions.filter((e) => e.task === task.task_uuid).map((e) => e.step);
    expect(ran.sort()).toEqual(["a", "b", "c", "d"]);
    expect(step(done, "d").results).toMatchObject({ saw: ["a", "b", "c"] });
  });

  it("refuses to complete a pending step behind a failed one; the failed one can be", async () => {
    const failed = await run("retrying", { fail: { a: { mode: "permanent" } } });
    expect(step(failed, "b").current_state).toBe("pending");
    await expect(
      h.tasker.client.completeStepManually(failed.task_uuid, step(failed, "b").workflow_step_uuid, 1, "skip"),
    ).rejects.toMatchObject({ code: "CONFLICT", status: 409 });
    expect((await h.tasker.client.getTask(failed.task_uuid)).status).toBe("error");
    await h.tasker.client.completeStepManually(
      failed.task_uuid,
      step(failed, "a").workflow_step_uuid,
      1,
      "ok",
    );
    const done = await h.tasker.client.waitForTask(failed.task_uuid, { timeoutMs: 10_000 });
    expect(done.status).toBe("complete");
    expect(h.executions.some((e) => e.task === failed.task_uuid && e.step === "b")).toBe(true);
  });

  it("validates the context against input_schema (422 naming the field)", async () => {
    const err = await h.tasker.client
      .createTask({ name: "validated", namespace: "test_alpha", context: { order_id: "x" } })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TaskerError);
    expect(err).toMatchObject({ code: "VALIDATION_ERROR", status: 422 });
    expect((err as TaskerError).message).toContain("order_id");
    const ok = await h.tasker.client.createTask({
      name: "validated",
      namespace: "test_alpha",
      context: { order_id: 7 },
    });
    expect(ok.created).toBe(true);
  });

  it("rejects an unknown template or version with 404 listing what exists", async () => {
    await expect(h.tasker.client.createTask({ name: "nope", namespace: "test_alpha" })).rejects.toMatchObject(
      { code: "NOT_FOUND" },
    );
    const err = (await h.tasker.client
      .createTask({ name: "linear5", namespace: "test_alpha", version: "9.9.9" })
      .catch((e: unknown) => e)) as TaskerError;
    expect(err.code).toBe("NOT_FOUND");
    expect(err.message).toContain("1.0.0");
  });

  it("rejects contexts beyond the limits", async () => {
    let deep: Record<string, unknown> = {};
    for (let i = 0; i < 12; i++) deep = { nested: deep };
    await expect(
      h.tasker.client.createTask({ name: "linear5", namespace: "test_alpha", context: deep }),
    ).rejects.toMatchObject({ code: "BAD_REQUEST" });
    await expect(
      h.tasker.client.createTask({
        name: "linear5",
        namespace: "test_alpha",
        context: { big: "x".repeat(1_100_000) },
      }),
    ).rejects.toMatchObject({ code: "PAYLOAD_TOO_LARGE" });
  });
});
