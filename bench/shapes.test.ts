import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { renderChart } from "./chart.js";
import { compareResults } from "./compare.js";
import { renderMarkdown } from "./report.js";
import { BenchFileSchema, type BenchResult, BenchResultSchema } from "./results.js";
import { QUICK_SHAPES, SHAPES, shapeFindings, shapeTasks, shapeTemplateDir, stepsPerTask } from "./shapes.js";
import { sampleFile, sampleResult } from "./testing/sample-file.js";

const shape = (backend: "postgres" | "pglite", workflow: string, steps_per_s: number): BenchResult =>
  sampleResult({
    system: "tasker",
    backend,
    mode: "shape",
    workflow,
    concurrency: 32,
    runs: 4,
    steps_per_s,
    steps_per_s_rounds: [steps_per_s],
    cpu_ms_per_step: 0.2,
    db_cpu_ms_per_step: backend === "postgres" ? 300 / steps_per_s : null,
  });

const full = [
  shape("postgres", "independent10", 1250),
  shape("postgres", "independent100", 1300),
  shape("postgres", "independent1000", 1100),
  shape("postgres", "fanout1000", 990),
  shape("postgres", "chain1000", 500),
  shape("pglite", "independent10", 800),
  shape("pglite", "chain1000", 700),
];

describe("shapes", () => {
  it("sizes tasks so that every shape runs about the same steps", () => {
    expect(stepsPerTask("independent10")).toBe(10);
    expect(stepsPerTask("fanout1000")).toBe(1002);
    expect(shapeTasks("independent10", 2000)).toBe(200);
    expect(shapeTasks("chain1000", 2000)).toBe(2);
    // At least one task, however few steps are asked for.
    expect(shapeTasks("chain1000", 10)).toBe(1);
    expect(() => stepsPerTask("ring8")).toThrow(/unknown shape/);
  });

  it("writes a template per shape, the quick ones included", () => {
    const dir = shapeTemplateDir();
    for (const name of new Set([...SHAPES, ...QUICK_SHAPES])) {
      const t = JSON.parse(readFileSync(join(dir, `${name}.yaml`), "utf8")) as {
        steps: { name: string; dependencies?: string[] }[];
      };
      expect(t.steps).toHaveLength(stepsPerTask(name));
    }
    const fanout = JSON.parse(readFileSync(join(dir, "fanout100.yaml"), "utf8")) as {
      steps: { name: string; dependencies?: string[] }[];
    };
    expect(fanout.steps.at(-1)?.dependencies).toHaveLength(100);
    const chain = JSON.parse(readFileSync(join(dir, "chain100.yaml"), "utf8")) as {
      steps: { name: string; dependencies?: string[] }[];
    };
    expect(chain.steps[99]?.dependencies).toEqual(["s98"]);
  });

  it("results parse with the shape as workflow, and other names do not", () => {
    expect(BenchResultSchema.parse(full[4]).workflow).toBe("chain1000");
    expect(() => BenchResultSchema.parse({ ...full[4], workflow: "ring8" })).toThrow();
    // Files written before the shapes part parse, with no rounds.
    const { steps_per_s_rounds: _, ...older } = full[0] as BenchResult;
    expect(BenchResultSchema.parse(older).steps_per_s_rounds).toBeNull();
  });

  it("targets the largest shapes against the 10-step one, and 1,000 steps/s on PostgreSQL", () => {
    const findings = shapeFindings(full);
    const get = (label: string) => findings.find((f) => f.label === label);
    expect(get("chain1000 ÷ independent10 steps/s, postgres")).toMatchObject({
      value: 0.4,
      target: "≥ 0.8×",
      met: false,
    });
    expect(get("independent1000 ÷ independent10 steps/s, postgres")).toMatchObject({
      value: 0.88,
      met: true,
    });
    expect(get("fanout1000 steps/s on postgres")).toMatchObject({ target: "≥ 1000 steps/s", met: false });
    expect(get("independent1000 steps/s on postgres")).toMatchObject({ met: true });
    // A smaller shape is reported without a target; PGlite has the ratio target only.
    expect(get("independent100 ÷ independent10 steps/s, postgres")).toMatchObject({ value: 1.04 });
    expect(get("independent100 ÷ independent10 steps/s, postgres")?.target).toBeUndefined();
    expect(get("chain1000 ÷ independent10 steps/s, pglite")).toMatchObject({ value: 0.875, met: true });
    expect(get("chain1000 steps/s on pglite")?.target).toBeUndefined();
    // CPU per step against the 10-step shape's, engine and database together (no target).
    expect(get("chain1000 ÷ independent10 CPU per step (engine + database), postgres")).toMatchObject({
      value: 1.818,
    });
    expect(get("chain1000 ÷ independent10 CPU per step (engine), pglite")).toMatchObject({ value: 1 });
  });

  it("takes the ratio round by round when the rounds are known: a drifting machine moves both", () => {
    const rounds = (backend: "postgres", workflow: string, xs: number[]) => ({
      ...shape(backend, workflow, xs[1] as number),
      steps_per_s_rounds: xs,
    });
    const findings = shapeFindings([
      rounds("postgres", "independent10", [1000, 2000, 1500]),
      rounds("postgres", "chain1000", [900, 1700, 1600]),
    ]);
    // Rounds' ratios 0.9, 0.85, 1.067: their median 0.9 (the reported figures' ratio would be 0.85).
    expect(findings.find((f) => f.label === "chain1000 ÷ independent10 steps/s, postgres")).toMatchObject({
      value: 0.9,
      met: true,
    });
  });

  it("in a quick run the largest shapes measured carry the targets", () => {
    const quick = [shape("postgres", "independent10", 1000), shape("postgres", "chain100", 900)];
    expect(shapeFindings(quick).find((f) => f.label.startsWith("chain100 ÷"))).toMatchObject({
      value: 0.9,
      met: true,
    });
  });

  it("are in the report's targets, the chart and a valid results file", () => {
    const file = BenchFileSchema.parse({ ...sampleFile(), results: [...sampleFile().results, ...full] });
    expect(compareResults(file.results).map((f) => f.label)).toContain(
      "chain1000 ÷ independent10 steps/s, postgres",
    );
    const md = renderMarkdown(file);
    expect(md).toContain("- ❌ chain1000 ÷ independent10 steps/s, postgres: **0.4×** (target ≥ 0.8×)");
    expect(md).toContain("| tasker | postgres | postgres | chain1000 | shape | 0 | 32 |");
    const svg = renderChart(file);
    expect(svg).toContain("wide and long tasks (shapes)");
    expect(svg).toContain(">tasker postgres chain1000 c32<");
  });
});
