// The handlers of the bench's workflows whose steps are created at run time (issue #27): a
// decision that picks a branch, a batchable step that plans batches, batch workers that do nothing
// with their items (optionally checkpointing), and the convergence step that totals them. Each
// does as little as its step type allows, so what is measured is the engine's work.
import {
  batchInputs,
  batchResults,
  createBatches,
  decide,
  defineHandler,
  PermanentError,
  planBatches,
} from "@tasker-ts/tasker";

let decisions = 0;
/** decision6's decision: the left and right branches in turn, so both are measured alike. */
export const decideHandler = defineHandler("bench.decide", {}, async () =>
  decide([decisions++ % 2 === 0 ? "l1" : "r1"]),
);

/** A whole number from a step's initialization, or the fallback. */
function setting(init: Record<string, unknown>, key: string, fallback: number): number {
  const v = init[key];
  return typeof v === "number" && Number.isSafeInteger(v) && v > 0 ? v : fallback;
}

/** The batchable step: `items` items in batches of `batch_size` (its initialization). */
export const planHandler = defineHandler("bench.plan_batches", {}, async (ctx) =>
  createBatches(
    planBatches({
      total: setting(ctx.initialization, "items", 0),
      batchSize: setting(ctx.initialization, "batch_size", 1),
    }),
  ),
);

/**
 * A batch worker instance: walks its range without doing anything per item; with
 * `checkpoint_every` (its initialization) it saves its cursor every that many items, as a long
 * batch would, resuming from the last checkpoint on a later attempt.
 */
export const batchWorkerHandler = defineHandler("bench.batch_worker", {}, async (ctx) => {
  const batch = batchInputs(ctx);
  const end = Number(batch.end_cursor);
  const every = setting(ctx.initialization, "checkpoint_every", 0);
  const resumed = ctx.resumeFrom?.cursor;
  let cursor = typeof resumed === "number" ? resumed : Number(batch.start_cursor);
  if (every > 0) {
    while (cursor < end) {
      cursor = Math.min(end, cursor + every);
      if (cursor < end) await ctx.checkpoint({ cursor });
    }
  }
  return { items: end - Number(batch.start_cursor) };
});

/**
 * The convergence step: totals the instances' items, and fails the task unless every item of the
 * plan was processed (a benchmark counts only work that was done).
 */
export const aggregateHandler = defineHandler("bench.aggregate", {}, async (ctx) => {
  const batches = batchResults<{ items: number }>(ctx.dependencyResults, "work");
  const items = batches.reduce((n, b) => n + (b.failed ? 0 : b.result.items), 0);
  const planned = (ctx.dependencyResults.plan as { batch_processing_outcome?: { total_items?: number } })
    ?.batch_processing_outcome?.total_items;
  if (items !== planned) {
    throw new PermanentError(`${items} items processed in ${batches.length} batches, ${planned} planned`);
  }
  return { items, batches: batches.length };
});

/** Every handler the run-time workflows need, registered by each bench engine's worker. */
export const RUN_TIME_HANDLERS = [decideHandler, planHandler, batchWorkerHandler, aggregateHandler];
