// A slow batch job for tests that kill its worker mid-batch: `split` plans batches of the task's
// `total` items, each `rows_*` instance works through its range (from its checkpoint, when it has
// one) and checkpoints every `every` items, `sum` adds up what the instances counted.
import { setTimeout as sleep } from "node:timers/promises";
import {
  batchInputs,
  batchResults,
  createBatches,
  defineHandler,
  planBatches,
  type StepHandler,
} from "../../src/index.js";
import { parseTemplateObject } from "../../src/template/load.js";

export type BatchJobInput = { total: number; batch_size: number; every: number; item_ms: number };

/** Where an instance's attempt started. */
export interface BatchRun {
  step: string;
  attempt: number;
  from: number;
}

export const BATCH_JOB_TEMPLATE = parseTemplateObject({
  name: "slow_bulk",
  namespace_name: "test_bkill",
  version: "1.0.0",
  steps: [
    {
      name: "split",
      type: "batchable",
      handler: { callable: "bkill.split" },
      batch_config: { batch_size: 1000, worker_template: "rows", parallelism: 1 },
    },
    {
      name: "rows",
      type: "batch_worker",
      dependencies: ["split"],
      handler: { callable: "bkill.rows" },
      timeout_seconds: 120,
    },
    { name: "sum", type: "deferred_convergence", dependencies: ["rows"], handler: { callable: "bkill.sum" } },
  ],
}).template;

export function batchJobHandlers(
  runs: BatchRun[],
  onCheckpoint: (step: string, cursor: number) => void = () => undefined,
): StepHandler[] {
  return [
    defineHandler("bkill.split", {}, async (ctx) => {
      const input = ctx.input as unknown as BatchJobInput;
      return createBatches(planBatches({ total: input.total, batchSize: input.batch_size }));
    }),
    defineHandler("bkill.rows", {}, async (ctx) => {
      const input = ctx.input as unknown as BatchJobInput;
      const batch = batchInputs(ctx);
      const start = Number(batch.start_cursor);
      const end = Number(batch.end_cursor);
      const from = typeof ctx.resumeFrom?.cursor === "number" ? ctx.resumeFrom.cursor : start;
      runs.push({ step: ctx.stepName, attempt: ctx.attempt, from });
      for (let cursor = from; cursor < end; ) {
        await sleep(input.item_ms);
        cursor++;
        if ((cursor - start) % input.every === 0) {
          await ctx.checkpoint({ cursor });
          onCheckpoint(ctx.stepName, cursor);
        }
      }
      return { count: end - start, resumed_from: from };
    }),
    defineHandler("bkill.sum", {}, async (ctx) => {
      const results = batchResults<{ count: number }>(ctx.dependencyResults, "rows");
      return { count: results.reduce((n, r) => n + (r.failed ? 0 : r.result.count), 0) };
    }),
  ];
}
