/**
 * Statements assembled from shared parts (store an outcome, enqueue, claim) each add rows to
 * `workflow_step_transitions`. They are written by one INSERT per statement instead of one per
 * part: every writing CTE opens the table and its indexes and builds its plan nodes on every
 * execution, which on PGlite is a measurable share of a step's time.
 */

/** A part of a statement: its CTEs, and the transition rows it adds (SELECTs of the insert's columns). */
export interface StatementPart {
  ctes: string[];
  /**
   * Each a SELECT of (workflow_step_uuid, task_uuid, from_state text, to_state text, event text,
   * metadata jsonb). Rows are inserted in the order listed (the branches of a UNION ALL run in
   * order), so a step's transitions listed in order get ids in order.
   */
  stepTransitions: string[];
}

/** The CTEs of `parts` in order, then the one `step_tr` insert of all their transition rows. */
export function assembleCtes(parts: readonly StatementPart[]): string[] {
  const ctes = parts.flatMap((part) => part.ctes);
  const rows = parts.flatMap((part) => part.stepTransitions);
  if (rows.length > 0) {
    ctes.push(`step_tr AS (
       INSERT INTO tasker.workflow_step_transitions (workflow_step_uuid, task_uuid, from_state, to_state, event, metadata)
       ${rows.join("\n       UNION ALL\n       ")}
     )`);
  }
  return ctes;
}
