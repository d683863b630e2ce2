import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { backoffDelayMs, decideFailure, type StepRetrySettings } from "./retry-policy.js";

const exponential: StepRetrySettings = {
  attempts: 1,
  maxAttempts: 5,
  retryable: true,
  backoff: "exponential",
  backoffBaseMs: 1_000,
  maxBackoffMs: 30_000,
};
const linear: StepRetrySettings = { ...exponential, backoff: "linear" };

/** random() = 0.5 is the midpoint of the jitter range: no jitter at all. */
const noJitter = () => 0.5;
const lowest = () => 0;
const highest = () => 0.999_999_999;

describe("backoffDelayMs", () => {
  it("doubles exponentially from the base: base * 2^(attempt-1)", () => {
    const delays = [1, 2, 3, 4, 5].map((attempts) => backoffDelayMs({ ...exponential, attempts }, 0));
    expect(delays).toEqual([1_000, 2_000, 4_000, 8_000, 16_000]);
  });

  it("grows linearly from the base: base * attempt", () => {
    const delays = [1, 2, 3, 4, 5].map((attempts) => backoffDelayMs({ ...linear, attempts }, 0));
    expect(delays).toEqual([1_000, 2_000, 3_000, 4_000, 5_000]);
  });

  it("is capped at max_backoff_ms", () => {
    expect(backoffDelayMs({ ...exponential, attempts: 6 }, 0)).toBe(30_000);
    expect(backoffDelayMs({ ...exponential, attempts: 60 }, 0)).toBe(30_000);
    expect(backoffDelayMs({ ...linear, attempts: 31 }, 0)).toBe(30_000);
    // Huge attempt counts overflow 2^n to Infinity; the cap still holds.
    expect(backoffDelayMs({ ...exponential, attempts: 5_000 }, 0)).toBe(30_000);
  });

  it("treats attempts below 1 as the first attempt", () => {
    expect(backoffDelayMs({ ...exponential, attempts: 0 }, 0)).toBe(1_000);
    expect(backoffDelayMs({ ...linear, attempts: -3 }, 0)).toBe(1_000);
  });

  it("is zero with a zero base", () => {
    expect(backoffDelayMs({ ...exponential, backoffBaseMs: 0, attempts: 4 }, 50, highest)).toBe(0);
  });

  it("applies no jitter at random() = 0.5 or with 0%", () => {
    expect(backoffDelayMs({ ...exponential, attempts: 3 }, 25, noJitter)).toBe(4_000);
    expect(backoffDelayMs({ ...exponential, attempts: 3 }, 0, highest)).toBe(4_000);
  });

  it("spreads by +/- jitterPercent around the delay", () => {
    const s = { ...exponential, attempts: 3 }; // 4,000 ms
    expect(backoffDelayMs(s, 25, lowest)).toBe(3_000);
    expect(backoffDelayMs(s, 25, highest)).toBe(5_000);
    expect(backoffDelayMs(s, 25, () => 0.75)).toBe(4_500);
    expect(backoffDelayMs(s, 100, lowest)).toBe(0);
  });

  it("never exceeds the cap, even with jitter", () => {
    expect(backoffDelayMs({ ...exponential, attempts: 10 }, 50, highest)).toBe(30_000);
    expect(backoffDelayMs({ ...exponential, attempts: 10 }, 50, lowest)).toBe(15_000);
  });

  it("stays within bounds for any random value and settings (property)", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 40 }),
        fc.constantFrom("exponential" as const, "linear" as const),
        fc.integer({ min: 0, max: 60_000 }),
        fc.integer({ min: 0, max: 600_000 }),
        fc.integer({ min: 0, max: 100 }),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        (attempts, backoff, backoffBaseMs, maxBackoffMs, jitter, r) => {
          const s = { ...exponential, attempts, backoff, backoffBaseMs, maxBackoffMs };
          const n = Math.max(1, attempts);
          const raw = backoff === "linear" ? backoffBaseMs * n : backoffBaseMs * 2 ** (n - 1);
          const capped = Math.min(maxBackoffMs, raw);
          const delay = backoffDelayMs(s, jitter, () => r);
          expect(Number.isInteger(delay)).toBe(true);
          expect(delay).toBeGreaterThanOrEqual(Math.max(0, Math.floor(capped * (1 - jitter / 100))));
          expect(delay).toBeLessThanOrEqual(Math.min(maxBackoffMs, Math.ceil(capped * (1 + jitter / 100))));
        },
      ),
      { numRuns: 2000 },
    );
  });

  it("uses Math.random by default and stays within the jitter range", () => {
    for (let i = 0; i < 200; i++) {
      const d = backoffDelayMs({ ...exponential, attempts: 2 }, 10);
      expect(d).toBeGreaterThanOrEqual(1_800);
      expect(d).toBeLessThanOrEqual(2_200);
    }
  });
});

describe("decideFailure", () => {
  it("schedules a retry with the backoff while attempts remain", () => {
    expect(decideFailure({ ...exponential, attempts: 2 }, { retryable: true }, 0)).toEqual({
      event: "schedule_retry",
      delayMs: 2_000,
    });
    expect(decideFailure({ ...linear, attempts: 4 }, { retryable: true }, 10, lowest)).toEqual({
      event: "schedule_retry",
      delayMs: 3_600,
    });
  });

  it("honours the handler's retry-after instead of the backoff (even past the cap)", () => {
    const s = { ...exponential, attempts: 1 };
    expect(decideFailure(s, { retryable: true, retryAfterMs: 12_345 }, 50, lowest)).toEqual({
      event: "schedule_retry",
      delayMs: 12_345,
    });
    expect(decideFailure(s, { retryable: true, retryAfterMs: 0 }, 50, lowest)).toEqual({
      event: "schedule_retry",
      delayMs: 0,
    });
    expect(decideFailure(s, { retryable: true, retryAfterMs: 99_999 }, 0).event).toBe("schedule_retry");
    expect(decideFailure(s, { retryable: true, retryAfterMs: 1.6 }, 0)).toEqual({
      event: "schedule_retry",
      delayMs: 2,
    });
  });

  it("falls back to the backoff for a missing, negative or non-finite retry-after", () => {
    const s = { ...exponential, attempts: 3 };
    for (const retryAfterMs of [undefined, null, -1, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(decideFailure(s, { retryable: true, retryAfterMs }, 0), String(retryAfterMs)).toEqual({
        event: "schedule_retry",
        delayMs: 4_000,
      });
    }
  });

  it("ends the step for a permanent error, whatever attempts remain", () => {
    expect(decideFailure({ ...exponential, attempts: 1 }, { retryable: false, retryAfterMs: 10 }, 0)).toEqual(
      {
        event: "error",
        reason: "permanent",
      },
    );
  });

  it("ends the step when the template says retryable: false", () => {
    expect(decideFailure({ ...exponential, retryable: false }, { retryable: true }, 0)).toEqual({
      event: "error",
      reason: "not_retryable",
    });
    // The template setting is reported first: nothing would ever retry this step.
    expect(decideFailure({ ...exponential, retryable: false }, { retryable: false }, 0)).toEqual({
      event: "error",
      reason: "not_retryable",
    });
  });

  it("ends the step when attempts are exhausted (max_attempts counts the first attempt)", () => {
    expect(decideFailure({ ...exponential, attempts: 4 }, { retryable: true }, 0).event).toBe(
      "schedule_retry",
    );
    for (const attempts of [5, 6]) {
      expect(decideFailure({ ...exponential, attempts }, { retryable: true, retryAfterMs: 1 }, 0)).toEqual({
        event: "error",
        reason: "attempts_exhausted",
      });
    }
    expect(decideFailure({ ...exponential, attempts: 1, maxAttempts: 1 }, { retryable: true }, 0)).toEqual({
      event: "error",
      reason: "attempts_exhausted",
    });
  });
});
