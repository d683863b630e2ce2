import { randomUUID } from "node:crypto";
import { batchOutcomeField } from "../model/batch-outcome.js";
import { outcomeField } from "../model/decision-outcome.js";
import type { Statement, Transaction } from "../store/database.js";
import {
  createStepsStatement,
  type TaskForCreation,
  tasksForCreationStatement,
} from "../store/sql/create-steps.js";
import type { StepType, TaskTemplate } from "../template/schema.js";
import { createsSteps } from "../template/step-creation.js";
import type { AttemptOutcome } from "./decide-outcome.js";
import { planBatchOutcome } from "./plan-batches.js";
import { planDecision } from "./plan-step-creation.js";
import type { OutcomeToStore } from "./store-outcomes.js";

/**
 * A success whose result carries a decision's or a batchable step's outcome (decided on once its
 * task is locked).
 */
export function carriesStepCreation(o: OutcomeToStore): boolean {
  return (
    o.outcome.ok &&
    (outcomeField(o.outcome.result) !== undefined || batchOutcomeField(o.outcome.result) !== undefined)
  );
}

/** The outcomes to store, and the statements creating steps to run before storing them. */
export interface AppliedCreations {
  outcomes: OutcomeToStore[];
  creations: Statement<unknown>[];
}

/**
 * Plans the decisions among `outcomes` under their tasks' locks (`lock`, sent first with the read):
 * a decision step's valid outcome becomes a statement creating its steps, to run in the same
 * transaction before the outcome is stored (storing it then counts the new children); an invalid
 * one becomes a permanent failure naming what was wrong. Other outcomes are given back as they are.
 * The names an outcome may give are among the decision's possible steps, whose number the
 * template's loading limited (ShapeLimits.maxStepsPerDecision), so no other limit applies here.
 */
export async function applyStepCreations(
  tx: Transaction,
  outcomes: readonly OutcomeToStore[],
  lock: readonly Statement<unknown>[],
): Promise<AppliedCreations> {
  const tasks = [...new Set(outcomes.filter(carriesStepCreation).map((o) => o.taskUuid))];
  const answers = await tx.batch([...lock, tasksForCreationStatement(tasks)]);
  const read = new Map((answers.at(-1) as TaskForCreation[]).map((t) => [t.task_uuid, t]));
  const creations: Statement<unknown>[] = [];
  const now = new Date();
  const applied = outcomes.map((o): OutcomeToStore => {
    const task = read.get(o.taskUuid);
    if (!carriesStepCreation(o) || !task) return o;
    // A finished task gets no new steps (its creator's result is kept); `error` is not finished
    // for this: an operator can retry or resolve its steps and go on.
    if (FINISHED_TASK_STATES.has(task.status)) return o;
    const claim = { taskUuid: o.taskUuid, stepUuid: o.stepUuid, workerId: o.workerId, attempts: o.attempts };
    const result = (o.outcome as { result: unknown }).result;
    const steps = (task.definition as TaskTemplate | null | undefined)?.steps;
    const name = task.steps.find((s) => s.workflow_step_uuid === o.stepUuid)?.name;
    const declared = steps?.find((s) => s.name === name);
    const type = declared?.type ?? "standard";
    const batches = batchOutcomeField(result);
    const code = type === "batchable" ? "invalid_batch_outcome" : "invalid_decision_outcome";
    const wrong = wrongOutcome(name, steps === undefined, type, batches !== undefined);
    if (wrong) return { ...o, outcome: invalidOutcome(wrong, [], code) };
    // A standard step's result may carry the fields as plain data.
    if (!steps || !createsSteps(type)) return o;
    const plan =
      type === "batchable"
        ? planBatchOutcome(steps, task.steps, claim, batches, { now, newUuid: randomUUID })
        : planDecision(steps, task.steps, claim, outcomeField(result), {
            maxStepsPerDecision: Number.POSITIVE_INFINITY,
            now,
            newUuid: randomUUID,
          });
    if (plan.kind === "as_is") return o;
    if (plan.kind === "invalid")
      return {
        ...o,
        outcome: invalidOutcome(plan.message, plan.names, code),
      };
    if (plan.creation) creations.push(createStepsStatement(plan.creation));
    // A second decision of the task in this transaction plans with these steps in it.
    task.steps.push(...plan.created);
    // The step's children are those it has now: the store must not trust the claim's count.
    return { ...o, childCount: undefined };
  });
  return { outcomes: applied, creations };
}

/**
 * A decision's or a batchable step's success whose result carries no outcome at all fails for
 * good: stored as it is, the step would complete and create nothing, skipping every branch or
 * batch without a word. Undefined when the success is fine as it is (any other type, or an unknown
 * one: the template version is not registered any more).
 */
export function missingStepCreation(
  type: StepType | undefined,
  name: string,
  outcome: AttemptOutcome,
): AttemptOutcome | undefined {
  if (!outcome.ok || (type !== "decision" && type !== "batchable")) return undefined;
  if (outcomeField(outcome.result) !== undefined || batchOutcomeField(outcome.result) !== undefined)
    return undefined;
  return type === "decision"
    ? invalidOutcome(
        `decision "${name}" returned a result without a decision_point_outcome; a decision returns decide([...]) or noBranches()`,
        [],
        "invalid_decision_outcome",
      )
    : invalidOutcome(
        `batchable step "${name}" returned a result without a batch_processing_outcome; a batchable step returns createBatches(...) or noBatches()`,
        [],
        "invalid_batch_outcome",
      );
}

/** Task states in which no step is created any more. */
const FINISHED_TASK_STATES: ReadonlySet<string> = new Set(["complete", "cancelled", "resolved_manually"]);

/**
 * Why a step's outcome is not the kind its template step creates steps with, if it is not: the
 * step's type decides (a decision gives a decision_point_outcome, a batchable step a
 * batch_processing_outcome), and a definition that is gone (the template removed) can apply none.
 */
function wrongOutcome(
  name: string | undefined,
  noDefinition: boolean,
  type: StepType,
  batches: boolean,
): string | undefined {
  if (name === undefined) return undefined;
  if (noDefinition)
    return `step "${name}" returned a step-creating outcome, but its task's template version is no longer registered`;
  if (type === "decision" && batches)
    return `decision "${name}" returned a batch_processing_outcome; a decision returns a decision_point_outcome (decide([...]) or noBranches())`;
  if (type === "batchable" && !batches)
    return `batchable step "${name}" returned a decision_point_outcome; a batchable step returns a batch_processing_outcome (createBatches(...) or noBatches())`;
  return undefined;
}

/** An outcome that cannot be applied: the decision fails for good (retrying would decide the same). */
function invalidOutcome(
  message: string,
  names: string[],
  code: "invalid_decision_outcome" | "invalid_batch_outcome",
): AttemptOutcome {
  return {
    ok: false,
    error: {
      message,
      code,
      retryable: false,
      kind: "permanent",
      metadata: { step_names: names },
      retry_after_ms: null,
    },
  };
}
