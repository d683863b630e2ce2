// POST /v1/tasks/batch over real HTTP, checked in the database: many tasks in one statement, all
// or none, errors naming the index and field.
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { ErrorEnvelopeSchema } from "../../src/model/errors.js";
import { MAX_BATCH_TASKS, TaskBatchResponseSchema } from "../../src/model/task-batch.js";
import { namespaceQueue } from "../../src/queue/queue-names.js";
import { testBackends } from "../../src/testing/index.js";
import { type ApiHarness, call, startApiHarness } from "./harness.js";

const PARKED = { name: "parked", namespace: "api_idle" };
const ORDER = { name: "order_flow", namespace: "api_test" };

function errorOf(body: unknown, code: string) {
  const { error } = ErrorEnvelopeSchema.parse(body);
  expect(error.code).toBe(code);
  return error as {
    code: string;
    message: string;
    details: { issues?: { path: string }[] } & Record<string, unknown>;
  };
}

describe.each(testBackends())("POST /v1/tasks/batch on %s", (backend) => {
  let h: ApiHarness;
  beforeAll(async () => {
    // No worker: the created tasks stay as their creation left them.
    // The queue rows are counted as the statement writes them; RabbitMQ's relay would move them away.
    h = await startApiHarness(backend, { worker: false, tasker: { messaging: "postgres" } });
  });
  afterAll(async () => {
    await h?.close();
  });

  const db = () => h.tasker.database;
  const count = async (sql: string, params: unknown[]) =>
    (await db().query<{ n: number }>(sql, params))[0]!.n;
  const tasksNamed = (tag: string) =>
    count("SELECT count(*)::int AS n FROM tasker.tasks WHERE tags ? $1", [tag]);
  const batch = (tasks: unknown) => call(h.url, "/v1/tasks/batch", { method: "POST", json: { tasks } });

  it("creates every task in one statement: rows, steps, transitions and one queue message per root", async () => {
    const tag = randomUUID();
    const query = vi.spyOn(db(), "query");
    let res: Awaited<ReturnType<typeof batch>>;
    try {
      res = await batch([
        { ...PARKED, tags: [tag] },
        { ...ORDER, context: { order_id: 7 }, tags: [tag], priority: 5 },
        { ...PARKED, tags: [tag], correlation_id: "batch-corr" },
      ]);
      const creating = query.mock.calls.filter(([sql]) => sql.includes("INSERT INTO tasker.tasks"));
      expect(creating).toHaveLength(1);
    } finally {
      query.mockRestore();
    }
    expect(res.status).toBe(201);
    const { tasks } = TaskBatchResponseSchema.parse(res.body);
    expect(tasks.map((t) => t.created)).toEqual([true, true, true]);
    const uuids = tasks.map((t) => t.task_uuid);
    const rows = await db().query<{
      task_uuid: string;
      name: string;
      priority: number;
      correlation_id: string;
    }>(
      "SELECT task_uuid::text, name, priority, correlation_id FROM tasker.tasks WHERE task_uuid = ANY($1::uuid[])",
      [uuids],
    );
    const byUuid = new Map(rows.map((r) => [r.task_uuid, r]));
    expect(uuids.map((u) => byUuid.get(u)?.name)).toEqual(["parked", "order_flow", "parked"]);
    expect(byUuid.get(uuids[1]!)?.priority).toBe(5);
    expect(byUuid.get(uuids[2]!)?.correlation_id).toBe("batch-corr");
    // parked: 1 step; order_flow: 3 steps, its root enqueued.
    expect(
      await count("SELECT count(*)::int AS n FROM tasker.workflow_steps WHERE task_uuid = ANY($1::uuid[])", [
        uuids,
      ]),
    ).toBe(5);
    expect(
      await count(
        "SELECT count(*)::int AS n FROM tasker.workflow_steps WHERE task_uuid = ANY($1::uuid[]) AND state = 'enqueued'",
        [uuids],
      ),
    ).toBe(3);
    expect(
      await count(
        "SELECT count(*)::int AS n FROM tasker.queue_messages WHERE (message->>'task_uuid')::uuid = ANY($1::uuid[])",
        [uuids],
      ),
    ).toBe(3);
    expect(
      await count(
        "SELECT count(*)::int AS n FROM tasker.queue_messages WHERE queue_name = $1 AND (message->>'task_uuid')::uuid = $2",
        [namespaceQueue("api_test"), uuids[1]],
      ),
    ).toBe(1);
    // The same task as POST /v1/tasks would have made: read through the API.
    const order = await h.client.getTask(uuids[1]!);
    expect(order.steps.map((s) => `${s.name}:${s.current_state}`)).toEqual([
      "validate:enqueued",
      "charge:pending",
      "notify:pending",
    ]);
    const audit = await h.client.getStepAudit(uuids[1]!, order.steps[0]!.workflow_step_uuid);
    expect(audit.map((t) => `${t.from_state ?? "-"}>${t.to_state}:${t.event}`)).toEqual([
      "->pending:create",
      "pending>enqueued:enqueue",
    ]);
  });

  it("honours idempotency keys per task: the same payload answers the existing task, a new one is created beside it", async () => {
    const key = randomUUID();
    const first = await h.client.createTasks([{ ...PARKED, idempotency_key: key }]);
    expect(first.tasks[0]!.created).toBe(true);
    const again = await batch([{ ...PARKED, idempotency_key: key }]);
    expect(again.status).toBe(200);
    expect(TaskBatchResponseSchema.parse(again.body).tasks).toEqual([
      { task_uuid: first.tasks[0]!.task_uuid, created: false },
    ]);
    const mixed = await h.client.createTasks([{ ...PARKED, idempotency_key: key }, { ...PARKED }]);
    expect(mixed.tasks[0]).toEqual({ task_uuid: first.tasks[0]!.task_uuid, created: false });
    expect(mixed.tasks[1]!.created).toBe(true);
  });

  it("creates nothing when a key was used for a different payload (409 naming the index)", async () => {
    const key = randomUUID();
    const tag = randomUUID();
    await h.client.createTasks([{ ...PARKED, idempotency_key: key }]);
    const res = await batch([
      { ...PARKED, tags: [tag] },
      { ...PARKED, idempotency_key: key, tags: [tag] },
    ]);
    expect(res.status).toBe(409);
    const error = errorOf(res.body, "CONFLICT");
    expect(error.details.path).toBe("tasks[1].idempotency_key");
    expect(await tasksNamed(tag)).toBe(0);
  });

  it("checks every request before writing: errors name the index and field, nothing is created", async () => {
    const tag = randomUUID();
    const fields = await batch([
      { ...PARKED, tags: [tag] },
      { ...PARKED, priority: "high" },
      { ...PARKED, extra: 1 },
    ]);
    expect(fields.status).toBe(400);
    const paths = errorOf(fields.body, "BAD_REQUEST").details.issues!.map((i) => i.path);
    expect(paths).toContain("tasks[1].priority");
    expect(paths.some((p) => p.startsWith("tasks[2]"))).toBe(true);
    expect(errorOf(fields.body, "BAD_REQUEST").message).toContain("tasks[1].priority");

    const schema = await batch([
      { ...ORDER, context: { order_id: 1 }, tags: [tag] },
      { ...ORDER, context: { order_id: 0 }, tags: [tag] },
      { ...ORDER, context: {}, tags: [tag] },
    ]);
    expect(schema.status).toBe(422);
    const schemaPaths = errorOf(schema.body, "VALIDATION_ERROR").details.issues!.map((i) => i.path);
    expect(schemaPaths).toEqual(["tasks[1].context.order_id", "tasks[2].context.order_id"]);

    const missing = await batch([
      { ...PARKED, tags: [tag] },
      { ...PARKED, tags: [tag] },
      { name: "nope", namespace: "api_idle" },
    ]);
    expect(missing.status).toBe(404);
    expect(errorOf(missing.body, "NOT_FOUND").details.path).toBe("tasks[2]");

    const twice = await batch([
      { ...PARKED, idempotency_key: "same", tags: [tag] },
      { ...PARKED, idempotency_key: "same", tags: [tag] },
    ]);
    expect(twice.status).toBe(400);
    expect(errorOf(twice.body, "BAD_REQUEST").details.issues!.map((i) => i.path)).toEqual([
      "tasks[1].idempotency_key",
    ]);
    expect(await tasksNamed(tag)).toBe(0);
  });

  it("refuses an empty batch, a body without tasks, and more than the limit (413)", async () => {
    expect((await batch([])).status).toBe(400);
    const noTasks = await call(h.url, "/v1/tasks/batch", { method: "POST", json: { task: [] } });
    expect(noTasks.status).toBe(400);
    const notJson = await call(h.url, "/v1/tasks/batch", {
      method: "POST",
      body: "{",
      headers: { "content-type": "application/json" },
    });
    expect(notJson.status).toBe(400);
    const tooMany = await batch(Array.from({ length: MAX_BATCH_TASKS + 1 }, () => PARKED));
    expect(tooMany.status).toBe(413);
    expect(errorOf(tooMany.body, "PAYLOAD_TOO_LARGE").message).toContain(String(MAX_BATCH_TASKS));
    const huge = await call(h.url, "/v1/tasks/batch", {
      method: "POST",
      json: {
        tasks: [{ ...PARKED, context: { blob: "x".repeat(9000) } }].concat(
          Array(200).fill({ ...PARKED, context: { blob: "y".repeat(9000) } }),
        ),
      },
    });
    expect(huge.status).toBe(413);
  });

  it("is what the HTTP client's createTasks sends, with the same errors", async () => {
    const created = await h.client.createTasks([PARKED, PARKED]);
    expect(created.tasks).toHaveLength(2);
    await expect(h.client.createTasks([{ ...PARKED, priority: 5000 }])).rejects.toMatchObject({
      code: "BAD_REQUEST",
      message: expect.stringContaining("tasks[0].priority"),
    });
    // In-process, the same checks and the same names.
    await expect(h.tasker.client.createTasks([PARKED, { ...PARKED, priority: 5000 }])).rejects.toMatchObject({
      code: "BAD_REQUEST",
      details: { issues: [expect.objectContaining({ path: "tasks[1].priority" })] },
    });
  });
});
