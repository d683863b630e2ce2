// A batchable step's outcome: the batches its worker template's instances process. A handler
// returns it in its result, under `batch_processing_outcome` (as tasker-core's workers do), so a
// worker in any language can express it; the helpers below write and read it in TypeScript.
import { z } from "zod";
import type { BatchConfig } from "../template/schema.js";

/** The key of a batchable step's result that carries its outcome. */
export const BATCH_OUTCOME_KEY = "batch_processing_outcome";

/** The most instances one batchable step's outcome may create. */
export const MAX_BATCHES = 10_000;

const Cursor = z.union([z.number(), z.string(), z.record(z.string(), z.unknown())]);

export const CursorConfigSchema = z
  .object({
    batch_id: z
      .string()
      .regex(
        /^[a-z0-9_]{1,40}$/,
        "must be 1-40 characters of a-z, 0-9 and _ (it ends the instance's step name)",
      ),
    start_cursor: Cursor.describe("Where the batch starts (inclusive)"),
    end_cursor: Cursor.describe("Where the batch ends (exclusive)"),
    batch_size: z.number().int().min(0),
  })
  .strict();
/** One batch: its id (the instance is `{worker_template}_{batch_id}`) and its cursor range. */
export type CursorConfig = z.infer<typeof CursorConfigSchema>;

export const BatchOutcomeSchema = z.discriminatedUnion("type", [
  z
    .object({
      type: z.literal("create_batches"),
      worker_template_name: z.string().optional().describe("Must be the step's batch_config.worker_template"),
      cursor_configs: z.array(CursorConfigSchema).min(1).max(MAX_BATCHES),
      total_items: z.number().int().min(0).optional(),
      worker_count: z.number().int().optional(),
    })
    .strict(),
  z.object({ type: z.literal("no_batches") }).strict(),
]);
/** `create_batches` with cursor configs, or `no_batches`. */
export type BatchOutcome = z.infer<typeof BatchOutcomeSchema>;

/** A batchable handler's result: the outcome, and any other fields of the result. */
export type BatchResult<R extends Record<string, unknown> = Record<string, never>> = R & {
  [BATCH_OUTCOME_KEY]: BatchOutcome;
};

/**
 * Cursor configs for `total` items numbered from `start` (default 0) in batches of `batchSize`:
 * batch ids `001`, `002`, ... (zero-padded so that instance names sort in order).
 */
export function planBatches(opts: {
  total: number;
  /** Items per batch; default: `batchConfig.batch_size`. */
  batchSize?: number;
  start?: number;
  /** The batchable step's batch_config (`ctx.batchConfig`). */
  batchConfig?: Pick<BatchConfig, "batch_size"> | null;
}): CursorConfig[] {
  const { total } = opts;
  const batchSize = opts.batchSize ?? opts.batchConfig?.batch_size;
  if (batchSize === undefined) {
    throw new TypeError("planBatches needs batchSize, or batchConfig (a batchable step's ctx.batchConfig)");
  }
  const start = opts.start ?? 0;
  if (!Number.isSafeInteger(total) || total < 0)
    throw new TypeError(`total must be a whole number >= 0, got ${total}`);
  if (!Number.isSafeInteger(batchSize) || batchSize < 1) {
    throw new TypeError(`batchSize must be a whole number >= 1, got ${batchSize}`);
  }
  const count = Math.ceil(total / batchSize);
  if (count > MAX_BATCHES) {
    throw new RangeError(
      `${total} items in batches of ${batchSize} make ${count} batches, more than ${MAX_BATCHES}`,
    );
  }
  const width = Math.max(3, String(count).length);
  return Array.from({ length: count }, (_, i) => {
    const from = start + i * batchSize;
    const to = Math.min(start + total, from + batchSize);
    return {
      batch_id: String(i + 1).padStart(width, "0"),
      start_cursor: from,
      end_cursor: to,
      batch_size: to - from,
    };
  });
}

/** A batchable step's result that creates one instance per cursor config. */
export function createBatches<R extends Record<string, unknown> = Record<string, never>>(
  cursorConfigs: readonly CursorConfig[],
  opts: { totalItems?: number; result?: R } = {},
): BatchResult<R> {
  const total = opts.totalItems ?? cursorConfigs.reduce((n, c) => n + c.batch_size, 0);
  return {
    ...(opts.result ?? ({} as R)),
    [BATCH_OUTCOME_KEY]: {
      type: "create_batches",
      cursor_configs: [...cursorConfigs],
      total_items: total,
      worker_count: cursorConfigs.length,
    },
  } as BatchResult<R>;
}

/** A batchable step's result with nothing to process: one no-op instance runs, so the graph converges. */
export function noBatches<R extends Record<string, unknown> = Record<string, never>>(
  result?: R,
): BatchResult<R> {
  return { ...(result ?? ({} as R)), [BATCH_OUTCOME_KEY]: { type: "no_batches" } } as BatchResult<R>;
}

/** The batch outcome field of a result, when it has one (not yet validated). */
export function batchOutcomeField(result: unknown): unknown {
  return typeof result === "object" && result !== null && !Array.isArray(result)
    ? (result as Record<string, unknown>)[BATCH_OUTCOME_KEY]
    : undefined;
}

/** The key of a batch worker instance's `initialization` that holds its batch. */
export const BATCH_INPUTS_KEY = "batch";

/** The key of a batchable step's `initialization` that holds its template's batch_config. */
export const BATCH_CONFIG_KEY = "batch_config";

/** A batchable step's batch_config, from its initialization (null for other steps). */
export function batchConfigOf(initialization: Record<string, unknown>): BatchConfig | null {
  const config = initialization[BATCH_CONFIG_KEY];
  return typeof config === "object" && config !== null ? (config as BatchConfig) : null;
}

/** What a batch worker instance is given (in its inputs, `initialization.batch`). */
export interface BatchInputs {
  batch_id: string;
  start_cursor: number | string | Record<string, unknown>;
  end_cursor: number | string | Record<string, unknown>;
  batch_size: number;
  /** The batchable step's batch_config.cursor_field, when it has one. */
  cursor_field: string | null;
  /** Items in all batches (the outcome's total_items), and how many batches there are. */
  total_items: number | null;
  batch_count: number;
  /** The instance `no_batches` creates: nothing to process. */
  no_op: boolean;
  /** The batchable step's batch_config.failure_strategy (see docs/templates.md). */
  failure_strategy: "continue_on_failure" | "fail_fast" | "isolate";
}

/** The result an instance of a `continue_on_failure` batch ends with when it fails for good. */
export interface FailedBatchResult {
  batch_failed: true;
  batch_id: string;
  error: { message: string; code: string | null; kind: string | null };
}

/**
 * A batch worker instance's batch, from its context (`ctx.initialization.batch`); throws when the
 * step is not a batch worker instance.
 */
export function batchInputs(ctx: { initialization: Record<string, unknown>; stepName: string }): BatchInputs {
  const batch = ctx.initialization[BATCH_INPUTS_KEY];
  if (typeof batch !== "object" || batch === null) {
    throw new TypeError(
      `step "${ctx.stepName}" is not a batch worker instance: it has no initialization.batch`,
    );
  }
  return batch as BatchInputs;
}

/**
 * The results of every instance of `workerTemplate` among a step's dependency results (for the
 * convergence step after a batch), ordered by batch id; `failed` for an instance of a
 * `continue_on_failure` batch that failed for good (its result is a FailedBatchResult).
 */
export function batchResults<T = unknown>(
  dependencyResults: Record<string, unknown>,
  workerTemplate: string,
): (
  | { batch_id: string; failed: false; result: T }
  | { batch_id: string; failed: true; result: FailedBatchResult }
)[] {
  const prefix = `${workerTemplate}_`;
  return Object.keys(dependencyResults)
    .filter((name) => name.startsWith(prefix))
    .sort()
    .map((name) => {
      const result = dependencyResults[name];
      const failed = (result as Partial<FailedBatchResult> | null)?.batch_failed === true;
      return failed
        ? { batch_id: name.slice(prefix.length), failed: true, result: result as FailedBatchResult }
        : { batch_id: name.slice(prefix.length), failed: false, result: result as T };
    });
}
