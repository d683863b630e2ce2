// A step's ancestors are positions of its task's steps (migration 012): a claim reads their
// results by (task_uuid, position), one index range per run of positions, whatever the task's size.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ancestorRows, readDependencyResults } from "../../src/store/sql/steps.js";
import { testBackends } from "../../src/testing/index.js";
import { type Harness, startHarness } from "../support/engine-harness.js";

describe.each(testBackends())("ancestors' results on %s", (backend) => {
  let h: Harness;
  let steps: { uuid: string; name: string; ancestors: string }[];
  beforeAll(async () => {
    h = await startHarness(backend);
    const { task } = await h.tasker.client.createTask({ name: "linear5", namespace: "test_alpha" });
    expect((await h.tasker.client.waitForTask(task.task_uuid, { timeoutMs: 30_000 })).status).toBe(
      "complete",
    );
    steps = await h.tasker.database.query(
      `SELECT workflow_step_uuid AS uuid, name, ancestor_positions::text AS ancestors
         FROM tasker.workflow_steps WHERE task_uuid = $1 ORDER BY position`,
      [task.task_uuid],
    );
  });
  afterAll(async () => {
    await h?.close();
  });

  it("stores a chain's step k's ancestors as one range of positions, and reads every one's result", async () => {
    expect(steps.map((s) => s.ancestors)).toEqual(["{}", "{[0,1)}", "{[0,2)}", "{[0,3)}", "{[0,4)}"]);
    const last = steps.at(-1)!;
    expect(Object.keys(await readDependencyResults(h.tasker.database, last.uuid)).sort()).toEqual(
      steps
        .slice(0, -1)
        .map((s) => s.name)
        .sort(),
    );
  });

  it("finds the ancestors' rows through the position index, each range's bounds in the index scan", async () => {
    const plan = await h.tasker.database.transaction(async (tx) => {
      await tx.query("SET LOCAL enable_seqscan = off");
      return tx.query<{ "QUERY PLAN": string }>(
        `EXPLAIN SELECT (SELECT jsonb_object_agg(a.name, a.results) FROM ${ancestorRows("u", "a")})
           FROM tasker.workflow_steps u WHERE u.workflow_step_uuid = $1`,
        [steps.at(-1)!.uuid],
      );
    });
    const text = plan.map((r) => r["QUERY PLAN"]).join("\n");
    // Not every step of the task read and filtered (a fan-out's children each read its 1,002 steps).
    expect(text).toMatch(/Index Scan using workflow_steps_position_key on workflow_steps a_step\b/);
    expect(text).toMatch(
      /Index Cond: \(\(task_uuid = u\.task_uuid\) AND \("?position"? >= lower\(a_range\.a_range\)\) AND \("?position"? < upper\(a_range\.a_range\)\)\)/,
    );
    expect(text).not.toMatch(/Join Filter/);
  });
});
