// Migration 015 drops workflow_step_edges: a task created before it keeps its graph in its steps'
// child_uuids (written beside the edges since migration 010), and deleting it still takes its
// steps and their history.
import { describe, expect, it } from "vitest";
import { selectSteps } from "../../src/store/sql/steps.js";
import { testBackends } from "../../src/testing/index.js";
import { insertBareTask, migrateTo, useTestStore } from "../support/test-store.js";

describe.each(testBackends())("migration 015 on %s", (backend) => {
  const store = useTestStore(backend, "tasker_mig015", 2);

  it("keeps an existing task's parents and deletes it whole, without the edges table", async () => {
    await migrateTo(store.db, 15, { through: false });
    const task = "00000000-0000-0000-0001-999999999999";
    const step = (position: number) => `00000000-0000-0000-0001-${String(position).padStart(12, "0")}`;
    // A diamond as the engine wrote it before 015: 0 -> 1, 0 -> 2, 1 -> 3, 2 -> 3; step 0 complete.
    const children: Record<number, number[]> = { 0: [1, 2], 1: [3], 2: [3], 3: [] };
    await insertBareTask(store.db, task);
    for (const [p, of] of Object.entries(children)) {
      const position = Number(p);
      await store.db.query(
        `INSERT INTO tasker.workflow_steps (workflow_step_uuid, task_uuid, name, position, handler_callable, max_attempts,
                retryable, backoff, backoff_base_ms, max_backoff_ms, timeout_seconds, child_uuids, state)
         VALUES ($1, $2, $3, $4, 'h', 1, false, 'none', 0, 0, 1, $5::uuid[], $6)`,
        [
          step(position),
          task,
          `s${position}`,
          position,
          of.map(step),
          position === 0 ? "complete" : "pending",
        ],
      );
      for (const child of of) {
        await store.db.query(
          "INSERT INTO tasker.workflow_step_edges (task_uuid, from_step_uuid, to_step_uuid) VALUES ($1, $2, $3)",
          [task, step(position), step(child)],
        );
      }
      await store.db.query(
        `INSERT INTO tasker.workflow_step_transitions (workflow_step_uuid, task_uuid, from_state, to_state, event)
         VALUES ($1, $2, NULL, 'pending', 'create')`,
        [step(position), task],
      );
    }

    await migrateTo(store.db, 15, { through: true });
    const [table] = await store.db.query<{ exists: boolean }>(
      "SELECT to_regclass('tasker.workflow_step_edges') IS NOT NULL AS exists",
    );
    expect(table!.exists).toBe(false);
    const steps = await selectSteps(store.db, task);
    expect(steps.map((s) => [s.name, s.total_parents, s.completed_parents])).toEqual([
      ["s0", 0, 0],
      ["s1", 1, 1],
      ["s2", 1, 1],
      ["s3", 2, 0],
    ]);

    await store.db.query("DELETE FROM tasker.tasks WHERE task_uuid = $1", [task]);
    const [left] = await store.db.query<{ steps: number; transitions: number }>(
      `SELECT (SELECT count(*)::int FROM tasker.workflow_steps) AS steps,
              (SELECT count(*)::int FROM tasker.workflow_step_transitions) AS transitions`,
    );
    expect(left).toEqual({ steps: 0, transitions: 0 });
  });
});
