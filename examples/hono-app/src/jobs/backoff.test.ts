import { describe, expect, it } from "vitest";
import { backoffDelayMs } from "./backoff.js";

describe("backoffDelayMs", () => {
  it("retries at once without a backoff", () => {
    expect(backoffDelayMs(undefined, 2)).toBe(0);
  });
  it("waits the same delay every time when fixed", () => {
    expect([2, 3, 4].map((a) => backoffDelayMs({ type: "fixed", delayMs: 50 }, a))).toEqual([50, 50, 50]);
  });
  it("doubles the delay for each retry when exponential", () => {
    expect([2, 3, 4].map((a) => backoffDelayMs({ type: "exponential", delayMs: 100 }, a))).toEqual([
      100, 200, 400,
    ]);
  });
});
