import { describe, expect, it } from "vitest";
import { createLogger } from "../observability/logger.js";
import { PermanentError } from "./errors.js";
import { defineHandler } from "./handler.js";
import { runHandler } from "./run-handler.js";

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
