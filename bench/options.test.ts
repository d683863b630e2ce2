import { describe, expect, it } from "vitest";
import { parseBenchArgs } from "./options.js";

describe("parseBenchArgs", () => {
  it("defaults to the full benchmark the issue asks for", () => {
    const o = parseBenchArgs([]);
    expect(o).toMatchObject({
      quick: false,
      backends: ["pglite", "postgres"],
      parts: ["latency", "throughput", "scale", "graphile", "pgbench"],
      runs: 50,
      tasks: 1000,
      concurrency: [8, 32],
      history: 100_000,
      pgbenchSeconds: 10,
      outDir: "bench/results",
    });
  });

  it("--quick shrinks every size and writes apart from the committed results", () => {
    const o = parseBenchArgs(["--quick"]);
    expect(o.quick).toBe(true);
    expect(o.runs).toBeLessThan(10);
    expect(o.tasks).toBeLessThan(100);
    expect(o.history).toBeLessThan(10_000);
    expect(o.outDir).toBe("bench/results/quick");
  });

  it("explicit flags win over the preset", () => {
    const o = parseBenchArgs([
      "--quick",
      "--runs",
      "7",
      "--concurrency",
      "4, 16",
      "--only",
      "latency,pgbench",
    ]);
    expect(o.runs).toBe(7);
    expect(o.concurrency).toEqual([4, 16]);
    expect(o.parts).toEqual(["latency", "pgbench"]);
  });

  it("names the flag and what it accepts on bad input", () => {
    expect(() => parseBenchArgs(["--runs", "0"])).toThrow(/--runs must be a whole number >= 1, got "0"/);
    expect(() => parseBenchArgs(["--tasks", "1.5"])).toThrow(/--tasks/);
    expect(() => parseBenchArgs(["--backends", "sqlite"])).toThrow(
      /--backends .*pglite, postgres; unknown: sqlite/,
    );
    expect(() => parseBenchArgs(["--only", ","])).toThrow(/--only .*got nothing/);
    expect(() => parseBenchArgs(["--fast"])).toThrow(/--fast[\s\S]*--quick/);
  });
});
