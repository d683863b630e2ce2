// Transition rows, steps and edges carry no foreign keys (migrations 004 and 005: checking them on
// every insert was a lookup per row on the hot path). Deleting a task must still take its steps,
// edges and whole history with it.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testBackends } from "../../src/testing/index.js";
import { type Harness, startHarness } from "../support/engine-harness.js";

describe.each(testBackends())("deleting tasks on %s", (backend) => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness(backend);
  });
  afterAll(async () => {
    await h?.close();
  });

  async function history(taskUuids: string[]) {
    const [row] = await h.tasker.database.query<{
      steps: number;
      edges: number;
      step_transitions: number;
      task_transitions: number;
    }>(
      `SELECT (SELECT count(*)::int FROM tasker.workflow_steps WHERE task_uuid = ANY($1::uuid[])) AS steps,
              (SELECT count(*)::int FROM tasker.workflow_step_edges WHERE task_uuid = ANY($1::uuid[])) AS edges,
              (SELECT count(*)::int FROM tasker.workflow_step_transitions WHERE task_uuid = ANY($1::uuid[])) AS step_transitions,
              (SELECT count(*)::int FROM tasker.task_transitions WHERE task_uuid = ANY($1::uuid[])) AS task_transitions`,
      [taskUuids],
    );
    return row!;
  }

  it("deletes a task's steps and every transition of it and its steps, and nothing of other tasks; a step's own", async () => {
    const uuids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const { task } = await h.tasker.client.createTask({ name: "linear5", namespace: "test_alpha" });
      expect((await h.tasker.client.waitForTask(task.task_uuid, { timeoutMs: 30_000 })).status).toBe(
        "complete",
      );
      uuids.push(task.task_uuid);
    }
    const kept = await history(uuids.slice(2));
    expect(kept).toMatchObject({ steps: 5, edges: 4 });
    expect(await history(uuids.slice(0, 2))).toMatchObject({ steps: 10, edges: 8 });
    expect(kept.step_transitions).toBeGreaterThanOrEqual(5 * 4);
    expect(kept.task_transitions).toBeGreaterThan(0);

    await h.tasker.database.query("DELETE FROM tasker.tasks WHERE task_uuid = ANY($1::uuid[])", [
      uuids.slice(0, 2),
    ]);
    expect(await history(uuids.slice(0, 2))).toEqual({
      steps: 0,
      edges: 0,
      step_transitions: 0,
      task_transitions: 0,
    });
    expect(await history(uuids.slice(2))).toEqual(kept);

    // A step deleted on its own takes its transitions too (no code does this today; the dropped
    // key's cascade did).
    const [step] = await h.tasker.database.query<{ uuid: string }>(
      "SELECT workflow_step_uuid AS uuid FROM tasker.workflow_steps WHERE task_uuid = $1 ORDER BY position LIMIT 1",
      [uuids[2]],
    );
    const transitionsOf = async (uuid: string) =>
      (
        await h.tasker.database.query<{ n: number }>(
          "SELECT count(*)::int AS n FROM tasker.workflow_step_transitions WHERE workflow_step_uuid = $1",
          [uuid],
        )
      )[0]!.n;
    const own = await transitionsOf(step!.uuid);
    expect(own).toBeGreaterThan(0);
    await h.tasker.database.query("DELETE FROM tasker.workflow_steps WHERE workflow_step_uuid = $1", [
      step!.uuid,
    ]);
    expect(await transitionsOf(step!.uuid)).toBe(0);
    expect((await history(uuids.slice(2))).step_transitions).toBe(kept.step_transitions - own);
  });
});
