import type { Queryable } from "../database.js";
import { taskFinishedSql } from "./steps.js";

/** What saving a checkpoint gave: refused unless the writer holds the step's current claim. */
export type SavedCheckpoint =
  | { saved: true; checkpointedAt: Date; leaseExpiresAt: Date; taskEnded: boolean }
  | { saved: false };

/**
 * Saves a running step's checkpoint and extends its lease, only while `workerId` holds this
 * attempt's claim (in progress, on attempt `attempts`): a worker whose lease passed to another, or
 * a late call after the outcome was stored, writes nothing. `taskEnded`: the task has finished
 * (cancelled, say) and the handler may stop. The step row is waited for, not skipped: a claim or a
 * heartbeat holds it only for a moment, and a checkpoint must not be lost to one.
 */
export async function saveCheckpoint(
  q: Queryable,
  w: { stepUuid: string; workerId: string; attempts: number; checkpointJson: string; leaseSeconds: number },
): Promise<SavedCheckpoint> {
  const [row] = await q.query<{ checkpointed_at: Date; claim_expires_at: Date; task_ended: boolean }>(
    `UPDATE tasker.workflow_steps s
        SET checkpoint = $4::jsonb, checkpointed_at = now(), updated_at = now(),
            claim_expires_at = greatest(s.claim_expires_at, now() + make_interval(secs => $5::float8))
      WHERE s.workflow_step_uuid = $1 AND s.claimed_by = $2 AND s.attempts = $3 AND s.state = 'in_progress'
      RETURNING s.checkpointed_at, s.claim_expires_at,
                ${taskFinishedSql("s")} AS task_ended`,
    [w.stepUuid, w.workerId, w.attempts, w.checkpointJson, w.leaseSeconds],
  );
  if (!row) return { saved: false };
  return {
    saved: true,
    checkpointedAt: new Date(row.checkpointed_at),
    leaseExpiresAt: new Date(row.claim_expires_at),
    taskEnded: row.task_ended,
  };
}

/** A step's last checkpoint (null when it never saved one). */
export async function selectCheckpoint(
  q: Queryable,
  stepUuid: string,
): Promise<Record<string, unknown> | null> {
  const [row] = await q.query<{ checkpoint: Record<string, unknown> | null }>(
    "SELECT checkpoint FROM tasker.workflow_steps WHERE workflow_step_uuid = $1",
    [stepUuid],
  );
  return row?.checkpoint ?? null;
}
