import { getEventListeners } from "node:events";
import { describe, expect, it, vi } from "vitest";
import { z } from "zod";
import { defineLazy } from "../lifecycle/handed-on.js";
import { createLogger } from "../observability/logger.js";
import { PermanentError } from "./errors.js";
import { defineHandler } from "./handler.js";
import { AttemptDeadlines, runHandler, StepTimeoutError } from "./run-handler.js";

const ctx = {
  taskUuid: "t",
  stepUuid: "s",
  stepName: "step",
  taskName: "task",
  namespace: "ns",
  version: "1.0.0",
  correlationId: "c",
  input: {},
  dependencyResults: {},
  attempt: 1,
  maxAttempts: 3,
  initialization: {},
  logger: createLogger({ level: "silent" }),
  resumeFrom: null,
  checkpoint: async () => undefined,
};
const run = (fn: () => unknown) =>
  runHandler(defineHandler("test.step", {}, fn), ctx, 5, new AbortController().signal);

describe("runHandler and text PostgreSQL cannot store", () => {
  it("keeps a storable result as JSON", async () => {
    expect(await run(() => ({ when: new Date(0), text: "😀" }))).toEqual({
      ok: true,
      result: { when: "1970-01-01T00:00:00.000Z", text: "😀" },
    });
  });

  it("fails the step permanently when its result holds a NUL, naming where", async () => {
    const outcome = await run(() => ({ rows: [{ name: "a\u0000b" }] }));
    expect(outcome).toMatchObject({
      ok: false,
      error: {
        code: "unstorable_result",
        retryable: false,
        kind: "permanent",
        message: expect.stringContaining("result.rows.0.name contains a NUL character"),
      },
    });
  });

  it("stores a thrown error even when its message and metadata hold unstorable text", async () => {
    const outcome = await run(() => {
      throw new PermanentError("bad\u0000byte", { code: "c\ud800", metadata: { "k\u0000": "v\udc00" } });
    });
    expect(outcome).toMatchObject({
      ok: false,
      error: { message: "bad\ufffdbyte", code: "c\ufffd", metadata: { "k\ufffd": "v\ufffd" } },
    });
  });
});

describe("runHandler and results or errors over the size limit", () => {
  const limited = (fn: () => unknown, maxResultBytes: number) =>
    runHandler(defineHandler("test.step", {}, fn), ctx, 5, new AbortController().signal, { maxResultBytes });
  const bytes = (v: unknown) => Buffer.byteLength(JSON.stringify(v), "utf8");

  it("keeps a result whose JSON is exactly the limit", async () => {
    const result = { data: "x".repeat(89) };
    expect(bytes(result)).toBe(100);
    expect(await limited(() => result, 100)).toEqual({ ok: true, result });
  });

  it("fails the step permanently with result_too_large, naming the size and the limit", async () => {
    const result = { data: "x".repeat(90) };
    const outcome = await limited(() => result, 100);
    expect(outcome).toMatchObject({
      ok: false,
      error: {
        code: "result_too_large",
        retryable: false,
        kind: "permanent",
        metadata: { payload: "result", size_bytes: 101, limit_bytes: 100 },
      },
    });
    if (outcome.ok) throw new Error("expected a failure");
    const message = outcome.error.message;
    expect(message).toContain("101 bytes");
    expect(message).toContain("100 bytes");
    expect(message).toContain("max_result_bytes");
  });

  it("counts UTF-8 bytes, not characters", async () => {
    // 60 characters, 120 bytes: short enough by length, too large as stored.
    const outcome = await limited(() => "é".repeat(60), 100);
    expect(outcome).toMatchObject({
      ok: false,
      error: { code: "result_too_large", metadata: { size_bytes: 122, limit_bytes: 100 } },
    });
  });

  it("replaces an error over the limit by a small permanent result_too_large error", async () => {
    const outcome = await limited(() => {
      throw new PermanentError("e".repeat(5000), { code: "huge", metadata: { blob: "b".repeat(5000) } });
    }, 1000);
    expect(outcome).toMatchObject({
      ok: false,
      error: {
        code: "result_too_large",
        retryable: false,
        kind: "permanent",
        metadata: { payload: "error", limit_bytes: 1000, error_code: "huge" },
      },
    });
    if (outcome.ok) throw new Error("expected a failure");
    const error = outcome.error;
    expect(error.metadata?.size_bytes).toBeGreaterThan(10_000);
    expect(error.message).toContain("the handler's error is");
    expect(error.message).toContain("eeee");
    expect(bytes(error)).toBeLessThan(1000);
  });

  it("treats a retryable error over the limit as permanent: it would be as large every time", async () => {
    const outcome = await limited(() => {
      throw new Error("e".repeat(2000));
    }, 1000);
    expect(outcome).toMatchObject({ ok: false, error: { code: "result_too_large", retryable: false } });
  });
});

describe("runHandler's timeout", () => {
  it("ends an attempt that outlives timeout_seconds with a retryable timeout, and aborts its signal", async () => {
    let signal: AbortSignal | undefined;
    const outcome = await runHandler(
      defineHandler("test.slow", {}, (c) => {
        signal = c.signal;
        return new Promise(() => undefined); // never settles
      }),
      ctx,
      0.05,
      new AbortController().signal,
    );
    expect(outcome).toMatchObject({
      ok: false,
      error: { code: "timeout", kind: "timeout", retryable: true, message: expect.stringContaining("0.05s") },
    });
    expect(signal?.aborted).toBe(true);
  });
});

describe("runHandler's signal, made when read", () => {
  const slow = (c: { signal: AbortSignal }) =>
    new Promise((resolve) =>
      setTimeout(() => resolve({ aborted: c.signal.aborted, reason: c.signal.reason }), 80),
    );

  it("is already aborted, with the timeout, when first read after the attempt timed out", async () => {
    let late: AbortSignal | undefined;
    const handler = defineHandler("test.late_reader", {}, async (c) => {
      await new Promise((r) => setTimeout(r, 80));
      late = c.signal;
    });
    const outcome = await runHandler(handler, ctx, 0.02, new AbortController().signal);
    expect(outcome).toMatchObject({ ok: false, error: { code: "timeout" } });
    await vi.waitFor(() => expect(late).toBeDefined());
    expect(late?.aborted).toBe(true);
    expect(late?.reason).toBeInstanceOf(StepTimeoutError);
  });

  it("reaches a handler with schemas and a handler's own spread of its context", async () => {
    let seen: { signal: AbortSignal; input: unknown } | undefined;
    const handler = defineHandler("test.schemas", { inputs: z.object({ n: z.coerce.number() }) }, (c) => {
      seen = { ...c };
      return new Promise(() => undefined);
    });
    const outcome = await runHandler(
      handler,
      { ...ctx, input: { n: "7" } },
      0.03,
      new AbortController().signal,
    );
    expect(outcome).toMatchObject({ ok: false, error: { code: "timeout" } });
    expect(seen?.input).toEqual({ n: 7 });
    expect(seen?.signal.aborted).toBe(true);
  });

  it("stays unaborted for an attempt that ends in time", async () => {
    const outcome = await runHandler(
      defineHandler("test.in_time", {}, slow),
      ctx,
      5,
      new AbortController().signal,
    );
    expect(outcome).toEqual({ ok: true, result: { aborted: false } });
  });
});

describe("AttemptDeadlines", () => {
  it("expires each deadline at its own time on one timer, and never one that was removed", () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "performance"] });
    try {
      const deadlines = new AttemptDeadlines();
      const expired: string[] = [];
      const at = (ms: number, name: string) => ({
        at: performance.now() + ms,
        expire: () => expired.push(name),
      });
      const late = at(100, "late");
      const early = at(50, "early");
      const removed = at(200, "removed");
      const last = at(300, "last");
      for (const d of [late, early, removed, last]) deadlines.add(d);
      vi.advanceTimersByTime(60);
      expect(expired).toEqual(["early"]);
      deadlines.delete(removed);
      vi.advanceTimersByTime(50);
      expect(expired).toEqual(["early", "late"]);
      vi.advanceTimersByTime(300);
      expect(expired).toEqual(["early", "late", "last"]);
      expect(deadlines.size).toBe(0);
      // One added after the set emptied still expires.
      deadlines.add(at(10, "again"));
      vi.advanceTimersByTime(10);
      expect(expired.at(-1)).toBe("again");
    } finally {
      vi.useRealTimers();
    }
  });
});

describe("runHandler and the worker's shutdown", () => {
  const waitForAbort = (c: { signal: AbortSignal }) =>
    new Promise((resolve) => c.signal.addEventListener("abort", () => resolve("answered the abort")));

  it("ends every running attempt with the shutdown's reason and aborts their signals", async () => {
    const shutdown = new AbortController();
    const signals: AbortSignal[] = [];
    const attempts = [1, 2, 3].map(() =>
      runHandler(
        defineHandler("test.wait", {}, (c) => {
          signals.push(c.signal);
          return new Promise(() => undefined);
        }),
        ctx,
        5,
        shutdown.signal,
      ),
    );
    await new Promise((r) => setImmediate(r));
    const reason = new Error("worker shutting down");
    shutdown.abort(reason);
    for (const outcome of await Promise.all(attempts)) {
      expect(outcome).toMatchObject({ ok: false, error: { message: "worker shutting down" } });
    }
    expect(signals.map((s) => s.reason)).toEqual([reason, reason, reason]);
  });

  it("listens to the shutdown signal once, however many attempts run under it", async () => {
    const shutdown = new AbortController();
    for (let i = 0; i < 20; i++) await run(() => "done");
    await Promise.all(
      Array.from({ length: 5 }, () =>
        runHandler(
          defineHandler("test.ok", {}, () => "ok"),
          ctx,
          5,
          shutdown.signal,
        ),
      ),
    );
    expect(getEventListeners(shutdown.signal, "abort")).toHaveLength(1);
  });

  it("leaves a finished attempt alone, and runs an attempt under an already aborted shutdown", async () => {
    const shutdown = new AbortController();
    let signal: AbortSignal | undefined;
    const done = await runHandler(
      defineHandler("test.ok", {}, (c) => {
        signal = c.signal;
        return "ok";
      }),
      ctx,
      5,
      shutdown.signal,
    );
    shutdown.abort(new Error("later"));
    expect(done).toEqual({ ok: true, result: "ok" });
    expect(signal?.aborted).toBe(false);
    expect(
      await runHandler(
        defineHandler("test.ok", {}, () => "ok"),
        ctx,
        5,
        shutdown.signal,
      ),
    ).toEqual({
      ok: true,
      result: "ok",
    });
  });

  it("decides the timeout before a handler that answers its abort can end the attempt", async () => {
    const outcome = await runHandler(
      // Not through defineHandler (an async function adds ticks): its promise settles in the abort.
      { callable: "test.answers", handle: (c) => waitForAbort(c) },
      ctx,
      0.02,
      new AbortController().signal,
    );
    expect(outcome).toMatchObject({ ok: false, error: { code: "timeout" } });
  });
});

describe("runHandler and the dependencies' results", () => {
  /** A context whose results are made when read (as a worker's is), counting the reads. */
  function lazyContext() {
    const made = { count: 0 };
    const lazy = { ...ctx };
    defineLazy(lazy, "dependencyResults", () => {
      made.count++;
      return { a: { n: 1 } };
    });
    return { lazy, made };
  }

  it("makes them only when the handler reads them", async () => {
    const { lazy, made } = lazyContext();
    const outcome = await runHandler(
      defineHandler("test.step", {}, () => ({ ok: true })),
      lazy,
      5,
      new AbortController().signal,
    );
    expect(outcome).toEqual({ ok: true, result: { ok: true } });
    expect(made.count).toBe(0);
    const read = await runHandler(
      defineHandler("test.step", {}, ({ dependencyResults }) => dependencyResults),
      lazy,
      5,
      new AbortController().signal,
    );
    expect(read).toEqual({ ok: true, result: { a: { n: 1 } } });
    expect(made.count).toBe(1);
  });

  it("parses them with the handler's schemas, and a handler may replace its own", async () => {
    const { lazy, made } = lazyContext();
    const parsed = await runHandler(
      defineHandler("test.step", { depends: { a: z.object({ n: z.number() }) } }, ({ dependencyResults }) => {
        return dependencyResults.a.n;
      }),
      lazy,
      5,
      new AbortController().signal,
    );
    expect(parsed).toEqual({ ok: true, result: 1 });
    expect(made.count).toBe(1);
    const replaced = await runHandler(
      defineHandler("test.step", {}, (c) => {
        c.dependencyResults = { b: 2 };
        return c.dependencyResults;
      }),
      lazyContext().lazy,
      5,
      new AbortController().signal,
    );
    expect(replaced).toEqual({ ok: true, result: { b: 2 } });
  });
});
