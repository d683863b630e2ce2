// What a step's writes cost in index entries (migration 006): the task update that keeps the task's
// status touches no indexed column, so PostgreSQL can make it a HOT update (no new index entries),
// and each transition row goes into one index, which the trail's reads use.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testBackends } from "../../src/testing/index.js";
import { type Harness, startHarness } from "../support/engine-harness.js";

describe.each(testBackends())("index writes on %s", (backend) => {
  let h: Harness;
  let taskUuid: string;
  beforeAll(async () => {
    h = await startHarness(backend);
    const { task } = await h.tasker.client.createTask({ name: "linear5", namespace: "test_alpha" });
    expect((await h.tasker.client.waitForTask(task.task_uuid, { timeoutMs: 30_000 })).status).toBe(
      "complete",
    );
    taskUuid = task.task_uuid;
  });
  afterAll(async () => {
    await h?.close();
  });

  it("updates a task in place (HOT) when its status stays, as each step's plan does", async () => {
    const hot = await h.tasker.database.transaction(async (tx) => {
      // PGlite's one session keeps counting across transactions until it reports: compare.
      const counts = async () =>
        (
          await tx.query<{ updated: number; hot: number }>(
            `SELECT pg_stat_get_xact_tuples_updated('tasker.tasks'::regclass)::int AS updated,
                    pg_stat_get_xact_tuples_hot_updated('tasker.tasks'::regclass)::int AS hot`,
          )
        )[0]!;
      const before = await counts();
      // The columns the plan's task update sets (apply-task-plan.ts, task_upd), status unchanged.
      await tx.query(
        `UPDATE tasker.tasks SET status = status, updated_at = now(), error = error, completed_at = completed_at
          WHERE task_uuid = $1`,
        [taskUuid],
      );
      const after = await counts();
      return { updated: after.updated - before.updated, hot: after.hot - before.hot };
    });
    expect(hot).toEqual({ updated: 1, hot: 1 });
  });

  it("writes each transition row into one index", async () => {
    const rows = await h.tasker.database.query<{ table: string; indexes: number }>(
      `SELECT c.relname AS table, count(i.indexrelid)::int AS indexes
         FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
         LEFT JOIN pg_index i ON i.indrelid = c.oid
        WHERE n.nspname = 'tasker' AND c.relname IN ('task_transitions', 'workflow_step_transitions')
        GROUP BY c.relname ORDER BY c.relname`,
    );
    expect(rows).toEqual([
      { table: "task_transitions", indexes: 1 },
      { table: "workflow_step_transitions", indexes: 1 },
    ]);
  });

  it("counts unfinished tasks from the partial index, not from the whole table", async () => {
    const plan = await h.tasker.database.transaction(async (tx) => {
      await tx.query("SET LOCAL enable_seqscan = off");
      return tx.query<{ "QUERY PLAN": string }>(
        `EXPLAIN SELECT count(*)::int AS n FROM tasker.tasks
          WHERE status NOT IN ('complete', 'error', 'cancelled', 'resolved_manually')`,
      );
    });
    expect(plan.map((r) => r["QUERY PLAN"]).join("\n")).toContain("tasks_active_idx");
  });
});
