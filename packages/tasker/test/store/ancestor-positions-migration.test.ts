// Migration 012 turns each step's ancestor uuids into the positions of those steps in its task.
import { describe, expect, it } from "vitest";
import { testBackends } from "../../src/testing/index.js";
import { insertBareTask, migrateTo, useTestStore } from "../support/test-store.js";

describe.each(testBackends())("migration 012 on %s", (backend) => {
  const store = useTestStore(backend, "tasker_mig012", 2);

  it("stores each existing step's ancestors as the positions of its ancestors' rows", async () => {
    await migrateTo(store.db, 12, { through: false });
    const taskOf = (task: number) => `00000000-0000-0000-${String(task).padStart(4, "0")}-999999999999`;
    const step = (task: number, position: number) =>
      `00000000-0000-0000-${String(task).padStart(4, "0")}-${String(position).padStart(12, "0")}`;
    // Task 1: 0 -> 1 -> 3 -> 4 and 2 -> 4 (ancestors listed in any order); task 2: one step.
    const ancestors: Record<number, number[]> = { 0: [], 1: [0], 2: [], 3: [1, 0], 4: [3, 2, 0, 1] };
    for (const task of [1, 2]) await insertBareTask(store.db, taskOf(task));
    const insert = (task: number, position: number, of: number[]) =>
      store.db.query(
        `INSERT INTO tasker.workflow_steps (workflow_step_uuid, task_uuid, name, position, handler_callable, max_attempts,
                retryable, backoff, backoff_base_ms, max_backoff_ms, timeout_seconds, ancestor_uuids)
         VALUES ($1, $2, $3, $4, 'h', 1, false, 'none', 0, 0, 1, $5::uuid[])`,
        [step(task, position), taskOf(task), `s${position}`, position, of.map((p) => step(task, p))],
      );
    for (const [position, of] of Object.entries(ancestors)) await insert(1, Number(position), of);
    await insert(2, 0, []);
    await migrateTo(store.db, 12, { through: true });
    const rows = await store.db.query<{ ancestors: string }>(
      `SELECT ancestor_positions::text AS ancestors
         FROM tasker.workflow_steps ORDER BY task_uuid, position`,
    );
    expect(rows.map((r) => r.ancestors)).toEqual(["{}", "{[0,1)}", "{}", "{[0,2)}", "{[0,4)}", "{}"]);
  });
});
