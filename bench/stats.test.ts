import { describe, expect, it } from "vitest";
import { medianRound, pairedRatio, percentile, ratio, round, summarizeLatency } from "./stats.js";

describe("percentile", () => {
  it("interpolates between closest ranks like numpy", () => {
    const samples = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
    expect(percentile(samples, 50)).toBe(5.5);
    expect(percentile(samples, 0)).toBe(1);
    expect(percentile(samples, 100)).toBe(10);
    expect(percentile(samples, 95)).toBeCloseTo(9.55, 10);
  });

  it("does not depend on the order of the samples", () => {
    expect(percentile([9, 1, 5, 3, 7], 50)).toBe(5);
  });

  it("refuses an empty series and out-of-range percentiles with a clear message", () => {
    expect(() => percentile([], 50)).toThrow(/no samples/);
    expect(() => percentile([1], 101)).toThrow(/0\.\.100, got 101/);
    expect(() => percentile([1], Number.NaN)).toThrow(/0\.\.100/);
  });
});

describe("summarizeLatency", () => {
  it("reports the tail and the extremes of the runs", () => {
    const samples = Array.from({ length: 100 }, (_, i) => i + 1);
    const s = summarizeLatency(samples);
    expect(s).toMatchObject({ runs: 100, p50_ms: 50.5, min_ms: 1, max_ms: 100, mean_ms: 50.5 });
    expect(s.p99_ms).toBeCloseTo(99.01, 2);
    expect(s.p95_ms).toBeGreaterThan(s.p50_ms);
  });
});

describe("ratio and round", () => {
  it("divides, or says null when it cannot", () => {
    expect(ratio(3, 2)).toBe(1.5);
    expect(ratio(1, 3)).toBe(0.333);
    expect(ratio(1, 0)).toBeNull();
    expect(ratio(null, 2)).toBeNull();
    expect(ratio(2, undefined)).toBeNull();
  });

  it("rounds half away from zero at the given digits", () => {
    expect(round(1.23456)).toBe(1.23);
    expect(round(1.235, 1)).toBe(1.2);
    expect(round(12.5, 0)).toBe(13);
  });

  it("pairs rounds: the median of the rounds' ratios, or nothing when the rounds do not pair", () => {
    expect(pairedRatio([400, 800, 880], [1000, 500, 1100])).toBe(0.8);
    expect(pairedRatio([1, 2], [1])).toBeNull();
    expect(pairedRatio([1], [0])).toBeNull();
    expect(pairedRatio(null, [1])).toBeNull();
    expect(medianRound([3, 1, 2, 4], (x) => x)).toBe(2);
  });
});
