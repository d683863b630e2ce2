import { STEP_TRANSITIONS, type StepEvent } from "../../state/step-states.js";
import type { Queryable } from "../database.js";
import { type NumberedSql, numberUsedParams, type ParamRefs, paramValues } from "./numbered-params.js";
import { stepSignalCte } from "./queue.js";

export interface TransitionedStep {
  workflow_step_uuid: string;
  task_uuid: string;
  name: string;
  from_state: string;
  attempts: number;
}

/** The named parameters every guarded step transition has. */
const TRANSITION_PARAMS = ["fromStates", "toState", "event", "metadata"] as const;
type TransitionParam = (typeof TRANSITION_PARAMS)[number];

/**
 * The one guarded step transition: moves the steps `which` picks that are still in one of the
 * event's source states (re-checked under the row lock, so of two racing processes only one wins),
 * applies the extra `set` assignments, and appends a transition row per moved step. `also`: more
 * CTEs that read `upd` (what moved), e.g. the step's signal. Returns what moved.
 */
function transitionSql<K extends string>(
  names: readonly K[],
  parts: (p: ParamRefs<TransitionParam | K>) => { which: string; set?: string; also?: string },
): NumberedSql<TransitionParam | K> {
  return numberUsedParams<TransitionParam | K>([...TRANSITION_PARAMS, ...names], (p) => {
    const { which, set, also } = parts(p);
    return `WITH old AS (
       SELECT workflow_step_uuid, state FROM tasker.workflow_steps s
        WHERE ${which} AND s.state = ANY(${p.fromStates}::text[])
        FOR UPDATE
     ), upd AS (
       UPDATE tasker.workflow_steps s
          SET state = ${p.toState}, updated_at = now()${set ? `, ${set}` : ""}
         FROM old
        WHERE s.workflow_step_uuid = old.workflow_step_uuid
       RETURNING s.workflow_step_uuid, s.task_uuid, s.name, old.state AS from_state, s.attempts
     ), tr AS (
       INSERT INTO tasker.workflow_step_transitions (workflow_step_uuid, task_uuid, from_state, to_state, event, metadata)
       SELECT workflow_step_uuid, task_uuid, from_state, ${p.toState}, ${p.event},
              ${p.metadata}::jsonb || jsonb_build_object('attempt', attempts)
         FROM upd
     )${also ? `, ${also}` : ""}
     SELECT * FROM upd`;
  });
}

function runTransition<K extends string>(
  q: Queryable,
  { sql, names }: NumberedSql<TransitionParam | K>,
  event: StepEvent,
  metadata: Record<string, unknown>,
  values: Record<K, unknown>,
): Promise<TransitionedStep[]> {
  const rule = STEP_TRANSITIONS[event];
  return q.query<TransitionedStep>(
    sql,
    paramValues(names, {
      ...values,
      fromStates: rule.from,
      toState: rule.to,
      event,
      metadata: JSON.stringify(metadata),
    }),
  );
}

const RELEASE_SQL = transitionSql(["stepUuid", "workerId", "queue", "correlationId"] as const, (p) => ({
  which: `s.workflow_step_uuid = ${p.stepUuid} AND s.claimed_by = ${p.workerId}`,
  set: "claimed_by = NULL, claim_expires_at = NULL, attempts = greatest(s.attempts - 1, 0)",
  also: stepSignalCte({ from: "upd", queue: p.queue, correlationId: `${p.correlationId}::text` }),
}));

/**
 * Hands a step this worker claimed back to its queue at once (shutdown, deregistration), its
 * attempt not counted (it did not finish), and announces it again in the same statement. Returns
 * whether it was still this worker's.
 */
export async function releaseClaim(
  q: Queryable,
  o: { stepUuid: string; workerId: string; queue: string; correlationId: string; reason: string },
): Promise<boolean> {
  const moved = await runTransition(
    q,
    RELEASE_SQL,
    "claim_expired",
    { reason: o.reason, worker_id: o.workerId },
    { stepUuid: o.stepUuid, workerId: o.workerId, queue: o.queue, correlationId: o.correlationId },
  );
  return moved.length > 0;
}

const CANCEL_SQL = transitionSql(["taskUuid"] as const, (p) => ({ which: `s.task_uuid = ${p.taskUuid}` }));

/** Cancels every step of a task that has not started or finished (running ones finish). */
export function cancelTaskSteps(q: Queryable, taskUuid: string, reason: string): Promise<TransitionedStep[]> {
  return runTransition(q, CANCEL_SQL, "cancel", { reason }, { taskUuid });
}

/** An operator's action on a failed step, as the step transition it makes. */
export type OperatorStepEvent = "reset_for_retry" | "resolve_manually" | "complete_manually";

const OPERATOR_SQL: Record<OperatorStepEvent, NumberedSql<TransitionParam | "stepUuid" | "result">> = {
  reset_for_retry: transitionSql(["stepUuid", "result"] as const, (p) => ({
    which: `s.workflow_step_uuid = ${p.stepUuid}`,
    set: "attempts = 0, error = NULL, results = NULL, next_retry_at = NULL",
  })),
  resolve_manually: transitionSql(["stepUuid", "result"] as const, (p) => ({
    which: `s.workflow_step_uuid = ${p.stepUuid}`,
    set: "completed_at = now(), next_retry_at = NULL",
  })),
  complete_manually: transitionSql(["stepUuid", "result"] as const, (p) => ({
    which: `s.workflow_step_uuid = ${p.stepUuid}`,
    set: `results = ${p.result}::jsonb, completed_at = now(), next_retry_at = NULL`,
  })),
};

/**
 * Applies an operator's action to one step (`result`: the step's result, for complete_manually).
 * Returns what moved: nothing when the step is in a state the action may not leave.
 */
export function applyOperatorStepEvent(
  q: Queryable,
  o: { stepUuid: string; event: OperatorStepEvent; result?: unknown; metadata: Record<string, unknown> },
): Promise<TransitionedStep[]> {
  return runTransition(q, OPERATOR_SQL[o.event], o.event, o.metadata, {
    stepUuid: o.stepUuid,
    result: o.event === "complete_manually" ? JSON.stringify(o.result ?? null) : null,
  });
}
