// A task created in a batch is the task createTask makes: the same row, steps (settings, state,
// parents and children), both histories and queue messages, whichever templates the batch
// mixes (the batch statement sends each template's step settings once and names them by index).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testBackends } from "../../src/testing/index.js";
import { type ApiHarness, startApiHarness } from "./harness.js";

const PARKED = { name: "parked", namespace: "api_idle" };
const ORDER = { name: "order_flow", namespace: "api_test" };

describe.each(testBackends())("a batch's tasks on %s", (backend) => {
  let h: ApiHarness;
  beforeAll(async () => {
    h = await startApiHarness(backend, { worker: false, tasker: { messaging: "postgres" } });
  });
  afterAll(async () => {
    await h?.close();
  });

  /** Everything written for a task, with uuids replaced by step names and timestamps left out. */
  async function written(taskUuid: string) {
    const q = <R>(sql: string) => h.tasker.database.query<R>(sql, [taskUuid]);
    const [task] = await q<{ row: Record<string, unknown> }>(
      `SELECT to_jsonb(t) - ARRAY['task_uuid', 'correlation_id', 'created_at', 'updated_at'] AS row
         FROM tasker.tasks t WHERE task_uuid = $1`,
    );
    const steps = await q(
      `SELECT to_jsonb(s) - ARRAY['workflow_step_uuid', 'task_uuid', 'created_at', 'updated_at', 'child_uuids'] AS row,
              (SELECT array_agg(c.name ORDER BY c.position) FROM tasker.workflow_steps c
                WHERE c.workflow_step_uuid = ANY(s.child_uuids)) AS children,
              (SELECT array_agg(a.name ORDER BY a.position) FROM tasker.workflow_steps a
                WHERE a.task_uuid = s.task_uuid AND a.position <@ s.ancestor_positions) AS ancestors
         FROM tasker.workflow_steps s WHERE task_uuid = $1 ORDER BY position`,
    );
    const taskHistory = await q(
      "SELECT from_state, to_state, event, metadata FROM tasker.task_transitions WHERE task_uuid = $1 ORDER BY id",
    );
    const stepHistory = await q(
      `SELECT s.name, x.from_state, x.to_state, x.event, x.metadata FROM tasker.workflow_step_transitions x
         JOIN tasker.workflow_steps s USING (workflow_step_uuid) WHERE x.task_uuid = $1 ORDER BY s.position, x.id`,
    );
    const messages = await q(
      `SELECT q.queue_name, s.name, q.message->>'correlation_id' = t.correlation_id AS same_correlation
         FROM tasker.queue_messages q
         JOIN tasker.workflow_steps s ON s.workflow_step_uuid = (q.message->>'step_uuid')::uuid
         JOIN tasker.tasks t ON t.task_uuid = s.task_uuid
        WHERE s.task_uuid = $1 ORDER BY s.position`,
    );
    return { task: task?.row, steps, taskHistory, stepHistory, messages };
  }

  it("writes each task as createTask writes it, whichever templates it mixes", async () => {
    const requests = [
      { ...ORDER, context: { order_id: 1 }, tags: ["rows"], priority: 3 },
      { ...PARKED, tags: ["rows"] },
      { ...ORDER, context: { order_id: 2 }, initiator: "test", reason: "rows" },
    ];
    const alone = [];
    for (const r of requests) alone.push((await h.tasker.client.createTask(r)).task.task_uuid);
    const { tasks } = await h.tasker.client.createTasks(requests);
    expect(tasks).toHaveLength(3);
    for (const [i, created] of tasks.entries()) {
      const expected = await written(alone[i]!);
      expect(expected.steps.length).toBeGreaterThan(0);
      expect(await written(created.task_uuid)).toEqual(expected);
    }
    // The order_flow tasks have edges (steps with children) and a root signalled: the comparison covered them.
    const order = await written(tasks[0]!.task_uuid);
    expect(order.steps.some((s) => ((s as { children: string[] | null }).children ?? []).length > 0)).toBe(
      true,
    );
    expect(order.messages).toHaveLength(1);
  });
});
