import type { z } from "zod";
import type { StepCheckpoint } from "../model/checkpoint.js";
import type { Logger } from "../observability/logger.js";
import type { BatchConfig } from "../template/schema.js";
import { PermanentError } from "./errors.js";

/** Everything a handler gets for one attempt of one step. */
export interface StepContext<TInput = Record<string, unknown>, TDeps = Record<string, unknown>> {
  taskUuid: string;
  stepUuid: string;
  stepName: string;
  taskName: string;
  namespace: string;
  version: string;
  correlationId: string;
  /** The task context (the input the task was created with), validated when `inputs` is given. */
  input: TInput;
  /** Results of every ancestor step, by step name (validated when `depends` is given). */
  dependencyResults: TDeps;
  /** 1 on the first attempt. */
  attempt: number;
  maxAttempts: number;
  /** The step's `handler.initialization` from the template. */
  initialization: Record<string, unknown>;
  /**
   * A batchable step's `batch_config` from the template (defaults applied; pass it to planBatches),
   * null for other steps. Always set by the workers.
   */
  batchConfig?: BatchConfig | null;
  /** Aborted when the step times out or the worker shuts down; pass it to fetch/DB calls. */
  signal: AbortSignal;
  logger: Logger;
  /**
   * The last checkpoint an earlier attempt of this step saved (see `checkpoint`), or null: go on
   * from it instead of from the start. Always set by the workers (optional for contexts built by
   * hand, in tests; {@link defineHandler}'s functions always have it).
   */
  resumeFrom?: StepCheckpoint | null;
  /**
   * Saves where the step has got to (a JSON object of at most 64 KiB, by convention with a
   * `cursor`) and extends the step's lease. The next attempt, after a crash, a timeout or a
   * retryable error, gets it as `resumeFrom`. Rejects with a `CheckpointRefusedError` when this
   * attempt no longer holds the step (its lease passed to another worker): stop then, nothing this
   * attempt does will be stored. Always set by the workers, as `resumeFrom` is.
   */
  checkpoint?: (value: StepCheckpoint) => Promise<void>;
}

/** The context of a running step: a {@link StepContext} with its checkpoint and `resumeFrom` set. */
export type RunningStepContext<
  TInput = Record<string, unknown>,
  TDeps = Record<string, unknown>,
> = StepContext<TInput, TDeps> & Required<Pick<StepContext, "resumeFrom" | "checkpoint">>;

/** A registered step handler. `callable` is the key templates refer to in `handler.callable`. */
export interface StepHandler {
  readonly callable: string;
  /**
   * Runs one attempt: resolve with the step's result (JSON), or throw (see PermanentError, RetryableError).
   */
  handle(ctx: StepContext): Promise<unknown>;
}

/** Class style: `class ValidateCart extends StepHandlerBase { callable = "ecommerce.validate_cart"; ... }` */
export abstract class StepHandlerBase implements StepHandler {
  abstract readonly callable: string;
  /**
   * Runs one attempt: resolve with the step's result (JSON), or throw (see PermanentError, RetryableError).
   */
  abstract handle(ctx: StepContext): Promise<unknown>;
}

type Schemas = Record<string, z.ZodType>;
type OutputsOf<D extends Schemas> = { [K in keyof D]: z.output<D[K]> };

/**
 * The Zod schemas of {@link defineHandler}: what the step reads of the task context and of earlier results.
 */
export interface HandlerSpec<I extends z.ZodType | undefined, D extends Schemas | undefined> {
  /** Schema for the task context; a mismatch is a permanent error naming the fields. */
  inputs?: I;
  /** Schemas for the dependency results this step reads, by step name. */
  depends?: D;
}

/**
 * Function style, typed end to end by Zod:
 * ```ts
 * export const processPayment = defineHandler(
 *   "ecommerce.process_payment",
 *   { inputs: z.object({ payment_info: PaymentInfo }), depends: { validate_inventory: Priced } },
 *   async ({ input, dependencyResults }) => charge(dependencyResults.validate_inventory.total),
 * );
 * ```
 */
export function defineHandler<
  I extends z.ZodType | undefined = undefined,
  D extends Schemas | undefined = undefined,
>(
  callable: string,
  spec: HandlerSpec<I, D>,
  fn: (
    ctx: RunningStepContext<
      I extends z.ZodType ? z.output<I> : Record<string, unknown>,
      D extends Schemas ? OutputsOf<D> & Record<string, unknown> : Record<string, unknown>
    >,
  ) => unknown | Promise<unknown>,
): StepHandler {
  if (!callable) throw new TypeError("defineHandler: callable must be a non-empty string");
  return {
    callable,
    async handle(ctx) {
      const input = spec.inputs ? parseOrPermanent(spec.inputs, ctx.input, "task context") : ctx.input;
      // Read only with schemas to parse them: they are made when first read (a chain's are many).
      let deps: Record<string, unknown> | undefined;
      if (spec.depends) {
        deps = { ...ctx.dependencyResults };
        for (const [name, schema] of Object.entries(spec.depends)) {
          if (!(name in ctx.dependencyResults)) {
            throw new PermanentError(
              `handler ${callable} needs the result of step "${name}", which is not an ancestor of "${ctx.stepName}"; add it to the step's dependencies`,
              { code: "missing_dependency_result" },
            );
          }
          deps[name] = parseOrPermanent(schema, ctx.dependencyResults[name], `result of step "${name}"`);
        }
      }
      // biome-ignore lint/suspicious/noExplicitAny: the generic context is narrowed by the caller's schemas
      return fn(withParsed(ctx, input, deps) as any);
    },
  };
}

/**
 * The context with its input and results as the schemas parsed them (`deps` undefined: not
 * parsed, left as they are), or the context itself when there were no schemas. Copied by property descriptors: the signal stays an accessor, made only
 * when the handler reads it (see runHandler).
 */
function withParsed(ctx: StepContext, input: unknown, deps: unknown | undefined): RunningStepContext {
  if (input === ctx.input && deps === undefined && ctx.checkpoint && ctx.resumeFrom !== undefined) {
    return ctx as RunningStepContext;
  }
  const parsed = Object.defineProperties({}, Object.getOwnPropertyDescriptors(ctx)) as RunningStepContext;
  parsed.input = input as StepContext["input"];
  if (deps !== undefined) parsed.dependencyResults = deps as StepContext["dependencyResults"];
  // A context built by hand (a test) has nowhere to save a checkpoint: saving it does nothing.
  parsed.resumeFrom ??= null;
  parsed.checkpoint ??= async () => undefined;
  return parsed;
}

function parseOrPermanent(schema: z.ZodType, value: unknown, what: string): unknown {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues.map((i) => ({ path: i.path.join("."), message: i.message }));
  throw new PermanentError(
    `invalid ${what}: ${issues.map((i) => `${i.path || "(root)"}: ${i.message}`).join("; ")}`,
    { code: "invalid_input", metadata: { issues } },
  );
}

/** Whether `value` can be registered as a handler (it has `callable` and `handle`). */
export function isStepHandler(value: unknown): value is StepHandler {
  return (
    typeof value === "object" &&
    value !== null &&
    typeof (value as StepHandler).callable === "string" &&
    typeof (value as StepHandler).handle === "function"
  );
}
