// A step that works through `total` items from its cursor and checkpoints every `every` items: a
// test sees where each attempt started. Shared by the tests and the worker process they kill.
import { setTimeout as sleep } from "node:timers/promises";
import { defineHandler, type StepHandler } from "../../src/index.js";
import { parseTemplateObject } from "../../src/template/load.js";

export type CountingInput = {
  total: number;
  every: number;
  /** Milliseconds per item. */
  item_ms?: number;
  /** On the first attempt, after this many items: `crash` throws, `hang` waits for the timeout. */
  first_attempt?: { at: number; action: "crash" | "hang" };
};

/** Where an attempt started, and how many items it worked through. */
export interface CountingRun {
  task: string;
  attempt: number;
  from: number;
  items: number;
}

/** One step, `count`, run by the counting handler; `counting` times out after 2 s, `counting_slow` after 60. */
export const COUNTING_TEMPLATES = [
  ["counting", 2],
  ["counting_slow", 60],
].map(
  ([name, timeout]) =>
    parseTemplateObject(
      {
        name,
        namespace_name: "test_ckpt",
        version: "1.0.0",
        steps: [
          {
            name: "count",
            handler: { callable: "test.count" },
            retry: { max_attempts: 3, backoff_base_ms: 50, max_backoff_ms: 100 },
            timeout_seconds: timeout,
          },
        ],
      },
      `${name}.yaml`,
    ).template,
);

export function countingStep(
  runs: CountingRun[],
  onCheckpoint: (cursor: number) => void = () => undefined,
): StepHandler {
  return defineHandler("test.count", {}, async (ctx) => {
    const input = ctx.input as unknown as CountingInput;
    const from = typeof ctx.resumeFrom?.cursor === "number" ? ctx.resumeFrom.cursor : 0;
    const run: CountingRun = { task: ctx.taskUuid, attempt: ctx.attempt, from, items: 0 };
    runs.push(run);
    for (let cursor = from; cursor < input.total; ) {
      if (input.item_ms) await sleep(input.item_ms);
      cursor++;
      run.items++;
      if (cursor % input.every === 0) {
        await ctx.checkpoint({ cursor, items_processed: cursor });
        onCheckpoint(cursor);
      }
      const trap = input.first_attempt;
      if (trap && ctx.attempt === 1 && cursor === trap.at) {
        if (trap.action === "crash") throw new Error(`crashed after ${cursor} items`);
        await sleep(60_000, undefined, { signal: ctx.signal }).catch(() => undefined);
      }
    }
    return { total: input.total, resumed_from: from };
  });
}
