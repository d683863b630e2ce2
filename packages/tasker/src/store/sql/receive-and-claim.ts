import { type Database, runUnflushed, type Statement } from "../database.js";
import { numberParams, paramValues } from "./numbered-params.js";
import { type QueueMessage, visibleMessageIdsSql } from "./queue.js";
import {
  CLAIM_PARAMS,
  CLAIMED_STEP_COLUMNS,
  type ClaimedStep,
  claimStepCtes,
  claimValues,
  mayClaimLaterSql,
} from "./steps.js";

/** A message read from a step queue, and what claiming the step it announces gave. */
export interface ReceivedStep {
  message: QueueMessage<unknown>;
  /**
   * The step, claimed for this worker; `busy` when another worker holds it (try again when its
   * lease may be over); `locked` when it was enqueued but a transaction is writing its row right
   * now (try again shortly); undefined when there is nothing to claim (a duplicate or stale
   * message, one that names no step, or a step no claim will ever take: its task finished, or its
   * worker died on its last attempt).
   */
  claim: ClaimedStep | "busy" | "locked" | undefined;
}

const PARAMS = ["queues", "limit", "visibilitySeconds", ...CLAIM_PARAMS] as const;
const REFS = numberParams(PARAMS);
/** With `callables`: only messages of steps whose handler is one of them are read (remote workers). */
const FOR_CALLABLES_PARAMS = [...PARAMS, "callables"] as const;
const FOR_CALLABLES_REFS = numberParams(FOR_CALLABLES_PARAMS);
// A step message as checkStepMessage accepts it: without this, a malformed one would fail the cast
// (and the whole read) instead of being dropped by the worker.
const UUID = `'^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$'`;
const NAMES_A_STEP = `jsonb_typeof(m.message->'task_uuid') = 'string' AND m.message->>'task_uuid' ~ ${UUID}
            AND jsonb_typeof(m.message->'step_uuid') = 'string' AND m.message->>'step_uuid' ~ ${UUID}
            AND coalesce(jsonb_typeof(m.message->'correlation_id'), 'string') = 'string'`;

// Built once (see storeOutcomeSql in steps.ts). A step row that is locked is skipped, not waited for: its
// claim or outcome is being written right now, and waiting while holding message rows could
// deadlock with a store that deletes its message after locking the step.
function receiveAndClaimSql(callables?: string): string {
  // The step's row is found by its primary key (the uuid cast only where the text is one).
  const ofCallables = callables
    ? `
             AND EXISTS (SELECT 1 FROM tasker.workflow_steps s
                          WHERE s.workflow_step_uuid = CASE WHEN q.message->>'step_uuid' ~ ${UUID}
                                                            THEN (q.message->>'step_uuid')::uuid END
                            AND s.handler_callable = ANY(${callables}::text[]))`
    : "";
  // `named` finds each step by its key alone and checks its task by a condition no index serves
  // (IS NOT DISTINCT FROM): with `=`, a generic plan may take the task's position index instead and
  // read every step of the task for each message (a 1,000-step task: up to 1,000 rows a message).
  return `WITH received AS (
       UPDATE tasker.queue_messages m
          SET visible_at = now() + make_interval(secs => ${REFS.visibilitySeconds}::float8), read_count = m.read_count + 1
        WHERE m.msg_id = ANY(ARRAY(${visibleMessageIdsSql(REFS.queues, REFS.limit, ofCallables)}))
       RETURNING m.msg_id, m.queue_name, m.message, m.read_count,
                 CASE WHEN ${NAMES_A_STEP} THEN (m.message->>'step_uuid')::uuid END AS step_uuid,
                 CASE WHEN ${NAMES_A_STEP} THEN (m.message->>'task_uuid')::uuid END AS task_uuid
     ), named AS (
       SELECT r.msg_id, s.workflow_step_uuid AS step_uuid, s.state, ${mayClaimLaterSql("s")} AS may_claim_later
         FROM received r JOIN tasker.workflow_steps s
           ON s.workflow_step_uuid = r.step_uuid AND s.task_uuid IS NOT DISTINCT FROM r.task_uuid
     ), first_per_step AS (
       SELECT min(msg_id) AS msg_id FROM named GROUP BY step_uuid
     ), ${claimStepCtes(REFS, "SELECT step_uuid FROM named", true)}
     SELECT r.msg_id::text AS msg_id, r.queue_name, r.message, r.read_count,
            (SELECT to_jsonb(c) FROM (SELECT ${CLAIMED_STEP_COLUMNS}
                                        FROM claimed u JOIN tasker.tasks t ON t.task_uuid = u.task_uuid
                                       WHERE u.workflow_step_uuid = r.step_uuid) c
              WHERE EXISTS (SELECT 1 FROM first_per_step f WHERE f.msg_id = r.msg_id)) AS claim,
            (SELECT CASE WHEN n.state = 'enqueued' AND NOT EXISTS (SELECT 1 FROM claimed u WHERE u.workflow_step_uuid = n.step_uuid)
                         THEN 'locked' ELSE 'busy' END
               FROM named n WHERE n.msg_id = r.msg_id AND n.may_claim_later) AS wait
       FROM received r
      ORDER BY r.msg_id`;
}
/** The statement receiveAndClaimSteps runs (its parameters in PARAMS order; exported for plan tests). */
export const RECEIVE_AND_CLAIM_SQL = receiveAndClaimSql();
const RECEIVE_AND_CLAIM_FOR_CALLABLES_SQL = receiveAndClaimSql(FOR_CALLABLES_REFS.callables);

/** What receiveAndClaimSteps asks for. */
export interface ReceiveAndClaimOptions {
  queues: readonly string[];
  limit: number;
  visibilitySeconds: number;
  workerId: string;
  leaseSeconds: number;
  /** Read only messages of steps with one of these handler callables (default: any). */
  callables?: readonly string[] | undefined;
}

/** A row of the statement receiveAndClaimSteps runs. */
interface ReceivedRow {
  msg_id: string;
  queue_name: string;
  message: unknown;
  read_count: number;
  claim: ClaimedStep | null;
  wait: "busy" | "locked" | null;
}

/** The statement receiveAndClaimSteps runs, with its parameters (exported for plan tests). */
export function receiveAndClaimStatement(p: ReceiveAndClaimOptions): Statement<ReceivedRow> {
  const values = {
    queues: p.queues,
    limit: p.limit,
    visibilitySeconds: p.visibilitySeconds,
    ...claimValues(p.workerId, p.leaseSeconds),
  };
  return p.callables
    ? {
        sql: RECEIVE_AND_CLAIM_FOR_CALLABLES_SQL,
        params: paramValues(FOR_CALLABLES_PARAMS, { ...values, callables: p.callables }),
      }
    : { sql: RECEIVE_AND_CLAIM_SQL, params: paramValues(PARAMS, values) };
}

/**
 * Reads up to `limit` visible messages of step queues, hiding them for `visibilitySeconds` like
 * receiveMessages, and claims the steps they announce for `workerId` in the same statement (see
 * claimStep): one round trip instead of two per delivery. A step named by two messages of the
 * batch is claimed for the first; the other is `busy`. A step whose row another transaction has
 * locked is skipped, not waited for, and `locked`. A message whose task is not its step's claims
 * nothing.
 */
export async function receiveAndClaimSteps(db: Database, p: ReceiveAndClaimOptions): Promise<ReceivedStep[]> {
  // Neither the read nor the claim needs the disk before going on (see claimStep).
  const rows = await runUnflushed(db, receiveAndClaimStatement(p));
  return rows.map((r) => ({
    message: { msgId: r.msg_id, queueName: r.queue_name, message: r.message, readCount: r.read_count },
    claim: r.claim ?? r.wait ?? undefined,
  }));
}
