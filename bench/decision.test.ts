import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parseTemplate } from "@tasker-ts/tasker";
import { describe, expect, it } from "vitest";
import { compareResults } from "./compare.js";
import { DECISION_STEPS, decisionFindings } from "./decision.js";
import { type BenchResult, BenchResultSchema } from "./results.js";
import { decideHandler } from "./run-time-handlers.js";
import { medianRound } from "./stats.js";
import { TEMPLATE_DIR } from "./tasker-engine.js";
import { sampleResult } from "./testing/sample-file.js";

const row = (workflow: string, mode: "latency" | "throughput", fields: Partial<BenchResult>): BenchResult =>
  sampleResult({ system: "tasker", backend: "postgres", workflow, mode, ...fields });

const results = [
  row("linear5", "throughput", { concurrency: 32, steps_per_s: 900 }),
  row("decision6", "latency", { p50_ms: 12, p95_ms: 20, queries_per_task: 33 }),
  row("linear6", "latency", { p50_ms: 10, p95_ms: 16, queries_per_task: 30 }),
  // Round 2 ran while the machine was busier: round by round, decision6 is 0.8x.
  row("decision6", "throughput", { concurrency: 32, steps_per_s: 800, steps_per_s_rounds: [800, 400, 880] }),
  row("linear6", "throughput", { concurrency: 32, steps_per_s: 1000, steps_per_s_rounds: [1000, 500, 1100] }),
];

describe("decision part", () => {
  it("decision6 and linear6 load, and run as many steps (a, decide, a 3-step branch, converge)", () => {
    const load = (name: string) => {
      const file = join(TEMPLATE_DIR, `${name}.yaml`);
      const { template, warnings } = parseTemplate(readFileSync(file, "utf8"), file);
      expect(warnings).toEqual([]);
      return template;
    };
    const decision = load("decision6");
    expect(decision.steps.find((s) => s.name === "decide")?.type).toBe("decision");
    expect(decision.steps.find((s) => s.name === "converge")?.type).toBe("deferred_convergence");
    // Run per task: a, decide, l1-l3 (or r1-r3), converge.
    expect(decision.steps.length - 3).toBe(DECISION_STEPS);
    expect(load("linear6").steps).toHaveLength(DECISION_STEPS);
  });

  it("the decision takes each branch in turn", async () => {
    const pick = async () => {
      const r = (await decideHandler.handle({} as never)) as {
        decision_point_outcome: { step_names: string[] };
      };
      return r.decision_point_outcome.step_names[0];
    };
    const [x, y, z] = [await pick(), await pick(), await pick()];
    expect(new Set([x, y])).toEqual(new Set(["l1", "r1"]));
    expect(z).toBe(x);
  });

  it("states decision6 against linear6: latency, statements, steps/s", () => {
    const get = (label: RegExp) => decisionFindings(results).find((f) => label.test(f.label));
    expect(get(/p50 latency, postgres/)).toMatchObject({ value: 1.2, unit: "×" });
    expect(get(/p95 latency, postgres/)).toMatchObject({ value: 1.25 });
    expect(get(/statements per task, postgres/)).toMatchObject({ value: 1.1 });
    expect(get(/steps\/s at concurrency 32, postgres/)).toMatchObject({ value: 0.8 });
    // The ratio pairs rounds: medians from different rounds would say 880 / 1000.
    const unpaired = results.map((r) =>
      r.workflow === "decision6" && r.mode === "throughput"
        ? { ...r, steps_per_s: 880, steps_per_s_rounds: [400, 800, 880] }
        : r,
    );
    expect(decisionFindings(unpaired).find((f) => f.label.includes("steps/s"))?.value).toBe(0.8);
    expect(get(/pglite/)).toBeUndefined();
  });

  it("keeps decision6 and linear6 out of the linear5 throughput target", () => {
    const best = compareResults([
      ...results,
      row("linear6", "throughput", { concurrency: 8, steps_per_s: 5000 }),
    ]);
    expect(best.find((f) => f.label.startsWith("throughput on postgres"))).toMatchObject({ value: 900 });
  });

  it("results parse with the new workflows, and the median round is one that was measured", () => {
    expect(BenchResultSchema.parse(results[1]).workflow).toBe("decision6");
    expect(() => medianRound([], (x: number) => x)).toThrow(/no round/);
  });
});
