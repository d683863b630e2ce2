// A decision step's outcome: which of the steps behind it are created. A handler returns it in
// its result, under `decision_point_outcome` (as tasker-core's workers do), so a worker in any
// language can express it; `decide` and `noBranches` write it for TypeScript handlers.
import { z } from "zod";

/** The key of a decision step's result that carries its outcome. */
export const DECISION_OUTCOME_KEY = "decision_point_outcome";

export const DecisionOutcomeSchema = z.discriminatedUnion("type", [
  z
    .object({
      type: z.literal("create_steps"),
      step_names: z
        .array(z.string().min(1))
        .min(1)
        .describe("Steps to create: each reachable from the decision (see docs/templates.md)"),
    })
    .strict(),
  z.object({ type: z.literal("no_branches") }).strict(),
]);
/** `create_steps` with step names, or `no_branches`. */
export type DecisionOutcome = z.infer<typeof DecisionOutcomeSchema>;

/** A decision handler's result: the outcome, and any other fields of the result. */
export type DecisionResult<R extends Record<string, unknown> = Record<string, never>> = R & {
  [DECISION_OUTCOME_KEY]: DecisionOutcome;
};

/**
 * A decision step's result that creates `stepNames` (and the steps behind them):
 * `return decide(["manager_approval"], { amount })`. Names that the decision cannot create fail
 * the step for good, naming them.
 */
export function decide<const Name extends string, R extends Record<string, unknown> = Record<string, never>>(
  stepNames: readonly [Name, ...Name[]] | readonly Name[],
  result?: R,
): DecisionResult<R> {
  return {
    ...(result ?? ({} as R)),
    [DECISION_OUTCOME_KEY]: { type: "create_steps", step_names: [...stepNames] },
  } as DecisionResult<R>;
}

/** A decision step's result that creates none of the steps behind it. */
export function noBranches<R extends Record<string, unknown> = Record<string, never>>(
  result?: R,
): DecisionResult<R> {
  return { ...(result ?? ({} as R)), [DECISION_OUTCOME_KEY]: { type: "no_branches" } } as DecisionResult<R>;
}

/** The outcome field of a result, when it has one (not yet validated). */
export function outcomeField(result: unknown): unknown {
  return typeof result === "object" && result !== null && !Array.isArray(result)
    ? (result as Record<string, unknown>)[DECISION_OUTCOME_KEY]
    : undefined;
}
