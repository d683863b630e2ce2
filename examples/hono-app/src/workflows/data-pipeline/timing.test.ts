import { describe, expect, it } from "vitest";
import { timed } from "./timing.js";

describe("timed", () => {
  it("adds start and finish times and waits out the minimum duration", async () => {
    const result = await timed(() => ({ answer: 42 }), {
      minDurationMs: 50,
      signal: new AbortController().signal,
    });
    expect(result.answer).toBe(42);
    expect(result.duration_ms).toBeGreaterThanOrEqual(45);
    expect(Date.parse(result.finished_at) - Date.parse(result.started_at)).toBe(result.duration_ms);
  });

  it("stops waiting when aborted", async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 10);
    await expect(timed(() => ({}), { minDurationMs: 5_000, signal: controller.signal })).rejects.toThrow(
      /abort/i,
    );
  });
});
