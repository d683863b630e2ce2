import { parseTemplateObject } from "@tasker-ts/tasker";
import { describe, expect, it } from "vitest";
import { BATCH_VARIANTS, batchFindings, batchTemplate, instancesPerJob, stepsPerJob } from "./batch.js";
import { parseBenchArgs } from "./options.js";
import { type BenchResult, BenchResultSchema } from "./results.js";
import { aggregateHandler, batchWorkerHandler, planHandler } from "./run-time-handlers.js";
import { sampleResult } from "./testing/sample-file.js";

const batch = (workflow: string, items_per_s: number, steps_per_s: number): BenchResult =>
  sampleResult({
    system: "tasker",
    backend: "postgres",
    mode: "batch",
    workflow,
    concurrency: 32,
    runs: 4,
    batch_size: 100,
    items_per_task: 10_000,
    items_per_s,
    steps_per_s,
    instance_steps_per_s: items_per_s / 100,
  });

describe("batch part", () => {
  it("a job of 10,000 items is 100 instances and 102 steps", () => {
    expect(instancesPerJob(10_000)).toBe(100);
    expect(stepsPerJob(10_000)).toBe(102);
    expect(instancesPerJob(1001)).toBe(11);
  });

  it("every variant's template is valid, with its parallelism and checkpoints", () => {
    for (const v of BATCH_VARIANTS) {
      const { template, warnings } = parseTemplateObject(batchTemplate(v, 10_000));
      expect(warnings).toEqual([]);
      expect(template.steps.map((s) => s.type)).toEqual([
        "batchable",
        "batch_worker",
        "deferred_convergence",
      ]);
    }
    const [p8, unlimited, checkpoint] = BATCH_VARIANTS.map((v) => batchTemplate(v, 500)) as {
      steps: { batch_config?: { parallelism?: number }; handler: { initialization?: object } }[];
    }[];
    expect(p8?.steps[0]?.batch_config?.parallelism).toBe(8);
    expect(unlimited?.steps[0]?.batch_config?.parallelism).toBeUndefined();
    expect(checkpoint?.steps[1]?.handler.initialization).toEqual({ checkpoint_every: 25 });
  });

  it("the handlers plan, walk (checkpointing, resuming) and total the items", async () => {
    const plan = (await planHandler.handle({
      initialization: { items: 250, batch_size: 100 },
      input: {},
    } as never)) as { batch_processing_outcome: { cursor_configs: unknown[]; total_items: number } };
    expect(plan.batch_processing_outcome.cursor_configs).toHaveLength(3);
    const saved: unknown[] = [];
    const ctx = (resumeFrom: object | null) =>
      ({
        stepName: "work_001",
        initialization: {
          checkpoint_every: 25,
          batch: { start_cursor: 0, end_cursor: 100, batch_size: 100 },
        },
        resumeFrom,
        checkpoint: async (v: unknown) => {
          saved.push(v);
        },
      }) as never;
    expect(await batchWorkerHandler.handle(ctx(null))).toEqual({ items: 100 });
    expect(saved).toEqual([{ cursor: 25 }, { cursor: 50 }, { cursor: 75 }]);
    saved.length = 0;
    await batchWorkerHandler.handle(ctx({ cursor: 50 }));
    expect(saved).toEqual([{ cursor: 75 }]);
    const totals = (deps: Record<string, unknown>) =>
      aggregateHandler.handle({ dependencyResults: { plan, ...deps } } as never);
    await expect(
      totals({ work_001: { items: 100 }, work_002: { items: 100 }, work_003: { items: 50 } }),
    ).resolves.toEqual({
      items: 250,
      batches: 3,
    });
    // A job whose instances did not go through every planned item fails: no figure from missing work.
    await expect(totals({ work_001: { items: 100 } })).rejects.toThrow(
      /100 items processed in 1 batches, 250 planned/,
    );
  });

  it("reports items/s, instance steps/s and the ratios to independent100 and to batch_p8", () => {
    const results = [
      sampleResult({
        system: "tasker",
        backend: "postgres",
        mode: "shape",
        workflow: "independent100",
        steps_per_s: 1000,
      }),
      batch("batch_p8", 8000, 800),
      batch("batch_unlimited", 12_000, 1200),
      batch("batch_p8_checkpoint", 6000, 600),
    ];
    const get = (label: RegExp) => batchFindings(results).find((f) => label.test(f.label));
    expect(get(/^batch_p8 items\/s on postgres/)).toMatchObject({ value: 8000, unit: "items/s" });
    expect(get(/^batch_p8 instance steps\/s/)).toMatchObject({ value: 80 });
    expect(get(/^batch_p8 ÷ independent100/)).toMatchObject({ value: 0.8 });
    expect(get(/^batch_unlimited ÷ batch_p8/)).toMatchObject({ value: 1.5 });
    expect(get(/^batch_p8_checkpoint ÷ batch_p8/)).toMatchObject({ value: 0.75 });
    // Without the shapes part in the run, no ratio to it.
    expect(batchFindings(results.slice(1)).some((f) => f.label.includes("independent100"))).toBe(false);
    expect(BenchResultSchema.parse(results[1]).items_per_s).toBe(8000);
    expect(() => BenchResultSchema.parse({ ...results[1], workflow: "batch_p9" })).toThrow();
  });

  it("--batch-items is bounded by what one plan may hold", () => {
    expect(parseBenchArgs(["--quick"])).toMatchObject({ batchItems: 1000, batchJobs: 1, runTimeRounds: 1 });
    expect(parseBenchArgs(["--batch-items", "500", "--only", "batch"])).toMatchObject({
      batchItems: 500,
      parts: ["batch"],
    });
    expect(() => parseBenchArgs(["--batch-items", "2000000"])).toThrow(
      /--batch-items must be at most 1000000/,
    );
    expect(() => parseBenchArgs(["--batch-jobs", "0"])).toThrow(/--batch-jobs/);
  });
});
