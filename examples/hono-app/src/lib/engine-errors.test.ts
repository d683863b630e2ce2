import { TaskerError } from "@tasker-ts/tasker/client";
import { describe, expect, it } from "vitest";
import { classifyEngineError } from "./engine-errors.js";

describe("classifyEngineError", () => {
  it("treats a rejected task as a permanent 502 carrying the engine's details", () => {
    const failure = classifyEngineError(
      new TaskerError("VALIDATION_ERROR", "context.items is required", { path: "items" }),
    );
    expect(failure).toMatchObject({ status: 502, transient: false, details: { path: "items" } });
    expect(failure.message).toContain("VALIDATION_ERROR");
  });

  it("treats backpressure as a transient 503 with the engine's Retry-After", () => {
    const failure = classifyEngineError(new TaskerError("BACKPRESSURE", "queue full", undefined, 12));
    expect(failure).toMatchObject({ status: 503, transient: true, retryAfterSeconds: 12 });
  });

  it("treats a network failure as a transient 503", () => {
    const failure = classifyEngineError(new TypeError("fetch failed"));
    expect(failure).toMatchObject({ status: 503, transient: true });
    expect(failure.message).toContain("fetch failed");
  });
});
