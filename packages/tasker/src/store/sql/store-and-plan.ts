import type { Statement } from "../database.js";
import {
  TASK_PLAN_PARAMS,
  type TaskPlanRow,
  type TaskPlanShape,
  type TaskPlanWrite,
  taskPlanColumns,
  taskPlanPart,
  taskPlanShape,
  taskPlanShapeKey,
  taskPlanValues,
} from "./apply-task-plan.js";
import { builtPerShape, numberUsedParams, paramValues } from "./numbered-params.js";
import { assembleCtes } from "./step-transition-rows.js";
import {
  claimedStepColumns,
  STORE_OUTCOME_PARAMS,
  type StepOutcomeWrite,
  storeOutcomePart,
  storeOutcomeValues,
} from "./steps.js";

/** What the task must still look like for a plan made in advance to be the right one. */
export interface ExpectedTask {
  status: string;
  /**
   * Every step as the planner sees it, in position order: `running` for a step in one of
   * `runningStates`, `pending:<attempts>` for a pending one, else its state.
   */
  steps: readonly string[];
  runningStates: readonly string[];
}

/** A {@link TaskPlanRow}, and whether the plan was current (`stored`: the outcome was written). */
export interface StoreAndPlanRow extends TaskPlanRow {
  current: boolean;
  stored: boolean;
}

const PARAMS = [
  ...STORE_OUTCOME_PARAMS,
  ...TASK_PLAN_PARAMS,
  "expectedStatus",
  "expectedSteps",
  "runningStates",
] as const;

// Built once per shape of the plan (see TaskPlanShape) and of the outcome (a delivery to ack or
// not). The snapshot is taken after the task's lock (an earlier statement of the transaction):
// `expected` compares what every decision committed before left. The plan's CTEs cannot see the
// stored step's new row (one snapshot per statement), so the step claimed next reads its results
// from the parameter that stores them.
const storeAndPlanText = builtPerShape(
  ({ plan, ack }: { plan: TaskPlanShape; ack: boolean }) => `${taskPlanShapeKey(plan)}${+ack}`,
  ({ plan: shape, ack }) =>
    numberUsedParams(PARAMS, (p) => {
      const ctes = [
        `expected AS (
       SELECT coalesce((SELECT t.status = ${p.expectedStatus} FROM tasker.tasks t WHERE t.task_uuid = ${p.taskUuid}), false)
          AND coalesce((SELECT array_agg(CASE WHEN s.state = ANY(${p.runningStates}::text[]) THEN 'running'
                                              WHEN s.state = 'pending' THEN 'pending:' || s.attempts
                                              ELSE s.state END ORDER BY s.position)
                          FROM tasker.workflow_steps s WHERE s.task_uuid = ${p.taskUuid}) = ${p.expectedSteps}::text[], false)
              AS current
     )`,
        ...assembleCtes([
          storeOutcomePart(p, "(SELECT current FROM expected)", ack),
          taskPlanPart(p, "EXISTS (SELECT 1 FROM stored)", shape),
        ]),
      ];
      return `WITH ${ctes.join(", ")}
     SELECT (SELECT current FROM expected) AS current, EXISTS (SELECT 1 FROM stored) AS stored,
            ${taskPlanColumns(shape, claimedStepColumns({ stepUuid: p.stepUuid, results: p.payload }))}`;
    }),
);

/**
 * A successful outcome and the plan that follows it, made in advance from the task as this worker
 * last saw it, in one statement: it writes only if the task (its status, and every step as the
 * planner sees it) is still as `expected`, so the plan is the one the stored steps would give.
 * Otherwise nothing is written (`current` false) and the caller plans from what it reads.
 * Run it after locking the task, like {@link storeStepOutcomeStatement}.
 */
export function storeAndPlanStatement(
  outcome: StepOutcomeWrite,
  plan: TaskPlanWrite,
  expected: ExpectedTask,
  /** The worker builds the step the plan claims from what it knows: answer only its attempt. */
  claimKnown = false,
): Statement<StoreAndPlanRow> {
  if (!outcome.ok)
    throw new Error("only a success can be planned in advance: a failure is decided on the locked row");
  if (plan.taskUuid !== outcome.taskUuid) {
    throw new Error(`the plan is for task ${plan.taskUuid}, the outcome for task ${outcome.taskUuid}`);
  }
  const expectedValues = {
    expectedStatus: expected.status,
    expectedSteps: expected.steps,
    runningStates: expected.runningStates,
  };
  const { sql, names } = storeAndPlanText({
    plan: taskPlanShape(plan, claimKnown),
    ack: outcome.outboxMsgId !== null,
  });
  return {
    sql,
    params: paramValues(names, storeOutcomeValues(outcome), taskPlanValues(plan), expectedValues),
  };
}
