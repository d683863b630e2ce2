// Migration 016 keys a task's steps by position instead of by name: a database with tasks migrates,
// a second step at a taken position is refused, and a name is no longer a key.
import { describe, expect, it } from "vitest";
import { testBackends } from "../../src/testing/index.js";
import { insertBareTask, migrateTo, useTestStore } from "../support/test-store.js";

describe.each(testBackends())("migration 016 on %s", (backend) => {
  const store = useTestStore(backend, "tasker_mig016", 2);

  const task = "00000000-0000-0000-0002-999999999999";
  const insertStep = (uuid: string, name: string, position: number) =>
    store.db.query(
      `INSERT INTO tasker.workflow_steps (workflow_step_uuid, task_uuid, name, position, handler_callable, max_attempts,
              retryable, backoff, backoff_base_ms, max_backoff_ms, timeout_seconds)
       VALUES ($1, $2, $3, $4, 'h', 1, false, 'none', 0, 0, 1)`,
      [uuid, task, name, position],
    );

  it("keeps a task's steps and makes (task, position) the steps' one key besides their uuid", async () => {
    await migrateTo(store.db, 16, { through: false });
    await insertBareTask(store.db, task);
    await insertStep("00000000-0000-0000-0002-000000000000", "first", 0);
    await insertStep("00000000-0000-0000-0002-000000000001", "second", 1);

    await migrateTo(store.db, 16, { through: true });
    const indexes = await store.db.query<{ indexname: string }>(
      "SELECT indexname FROM pg_indexes WHERE schemaname = 'tasker' AND tablename = 'workflow_steps' AND indexdef LIKE '%task_uuid%' ORDER BY 1",
    );
    expect(indexes.map((i) => i.indexname)).toEqual(["workflow_steps_position_key"]);
    await expect(insertStep("00000000-0000-0000-0002-000000000002", "third", 1)).rejects.toMatchObject({
      code: "23505",
    });
    await insertStep("00000000-0000-0000-0002-000000000003", "first", 2);
    const steps = await store.db.query<{ name: string; position: number }>(
      "SELECT name, position FROM tasker.workflow_steps WHERE task_uuid = $1 ORDER BY position",
      [task],
    );
    expect(steps).toEqual([
      { name: "first", position: 0 },
      { name: "second", position: 1 },
      { name: "first", position: 2 },
    ]);
  });
});
