// Transition rows and steps carry no foreign keys (migrations 004 and 005: checking them on every
// insert was a lookup per row on the hot path). Deleting a task must still take its steps and
// whole history with it, and no write of the engine may leave a row behind its task,
// even one racing the deletion (see docs/architecture.md, "Integrity without foreign keys").
import { setTimeout as sleep } from "node:timers/promises";
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
      step_transitions: number;
      task_transitions: number;
    }>(
      `SELECT (SELECT count(*)::int FROM tasker.workflow_steps WHERE task_uuid = ANY($1::uuid[])) AS steps,
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
    expect(kept).toMatchObject({ steps: 5 });
    expect(await history(uuids.slice(0, 2))).toMatchObject({ steps: 10 });
    expect(kept.step_transitions).toBeGreaterThanOrEqual(5 * 4);
    expect(kept.task_transitions).toBeGreaterThan(0);

    await h.tasker.database.query("DELETE FROM tasker.tasks WHERE task_uuid = ANY($1::uuid[])", [
      uuids.slice(0, 2),
    ]);
    expect(await history(uuids.slice(0, 2))).toEqual({ steps: 0, step_transitions: 0, task_transitions: 0 });
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
    // Its parent's child_uuids still name the deleted step: the task goes too, so that the checks
    // below see a consistent database.
    await h.tasker.database.query("DELETE FROM tasker.tasks WHERE task_uuid = $1", [uuids[2]]);
  });

  /** Rows whose task (or, for a step's transitions, whose step) no longer exists. */
  async function orphans() {
    const [row] = await h.tasker.database.query<Record<string, number>>(
      `SELECT
         (SELECT count(*)::int FROM tasker.workflow_steps s
           WHERE NOT EXISTS (SELECT 1 FROM tasker.tasks t WHERE t.task_uuid = s.task_uuid)) AS steps,
         (SELECT count(*)::int FROM tasker.task_transitions x
           WHERE NOT EXISTS (SELECT 1 FROM tasker.tasks t WHERE t.task_uuid = x.task_uuid)) AS task_transitions,
         (SELECT count(*)::int FROM tasker.workflow_step_transitions x
           WHERE NOT EXISTS (SELECT 1 FROM tasker.workflow_steps s WHERE s.workflow_step_uuid = x.workflow_step_uuid))
           AS step_transitions`,
    );
    return row!;
  }
  const NONE = { steps: 0, task_transitions: 0, step_transitions: 0 };

  it("leaves no orphan when tasks are deleted while their steps run, retry and finish", async () => {
    // Steps take a while and some fail once (a retry is scheduled), so that outcomes, retries,
    // claims of the next steps and task transitions are written while and after the tasks go.
    const context = {
      sleep_ms: { a: 30, b: 60, c: 30, d: 60 },
      fail: { b: { mode: "retryable", times: 1, retry_after_ms: 50 } },
    };
    const uuids: string[] = [];
    for (let i = 0; i < 12; i++) {
      const name = i % 2 === 0 ? "diamond" : "linear5";
      uuids.push(
        (await h.tasker.client.createTask({ name, namespace: "test_alpha", context })).task.task_uuid,
      );
    }
    // Delete in several statements at different moments of the tasks' lives.
    for (const batch of [uuids.slice(0, 4), uuids.slice(4, 8), uuids.slice(8)]) {
      await sleep(80);
      await h.tasker.database.query("DELETE FROM tasker.tasks WHERE task_uuid = ANY($1::uuid[])", [batch]);
    }
    // What was running when its task went ends: its outcome finds no step and writes nothing.
    await sleep(1_000);
    expect(await orphans()).toEqual(NONE);
    expect(await history(uuids)).toEqual({ steps: 0, step_transitions: 0, task_transitions: 0 });
    // The engine goes on: a task created afterwards runs to the end.
    const { task } = await h.tasker.client.createTask({ name: "diamond", namespace: "test_alpha" });
    expect((await h.tasker.client.waitForTask(task.task_uuid, { timeoutMs: 30_000 })).status).toBe(
      "complete",
    );
    expect(await orphans()).toEqual(NONE);
  });

  it("leaves no orphan when tasks are cancelled as they are created, then deleted", async () => {
    const context = { sleep_ms: { a: 20, b: 20 } };
    const created = await Promise.all(
      Array.from({ length: 8 }, () =>
        h.tasker.client.createTask({ name: "fanout", namespace: "test_alpha", context }),
      ),
    );
    const uuids = created.map((c) => c.task.task_uuid);
    await Promise.all(uuids.map((uuid) => h.tasker.client.cancelTask(uuid, "test").catch(() => undefined)));
    await sleep(300);
    await h.tasker.database.query("DELETE FROM tasker.tasks WHERE task_uuid = ANY($1::uuid[])", [uuids]);
    await sleep(300);
    expect(await orphans()).toEqual(NONE);
    expect(await history(uuids)).toEqual({ steps: 0, step_transitions: 0, task_transitions: 0 });
  });
});
