import { execFileSync } from "node:child_process";
import { connect } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Tasker } from "../../src/index.js";
import { createTestDatabase, type TestDatabase } from "../../src/testing/index.js";
import { type Execution, programmableHandler, STEP_NAMES, TEMPLATES } from "../support/engine-harness.js";

const rabbitUp = await new Promise<boolean>((resolve) => {
  const socket = connect(5672, "127.0.0.1");
  socket.once("connect", () => {
    socket.destroy();
    resolve(true);
  });
  socket.once("error", () => resolve(false));
});
const canCloseConnections = (() => {
  try {
    execFileSync("rabbitmqctl", ["list_connections"], { stdio: "ignore", timeout: 20_000 });
    return true;
  } catch {
    return false;
  }
})();

describe.skipIf(!rabbitUp || !canCloseConnections)("RabbitMQ transport", () => {
  let db: TestDatabase;
  let tasker: Tasker;
  const executions: Execution[] = [];
  beforeAll(async () => {
    db = await createTestDatabase();
    tasker = await Tasker.open({
      databaseUrl: db.url,
      templates: Object.values(TEMPLATES),
      messaging: "rabbitmq",
      rabbitmq: { queueExpiresMs: 600_000 },
    });
    await tasker.startOrchestrator({ pollIntervalMs: 100, visibilitySeconds: 2 });
    await tasker.startWorker({
      handlers: STEP_NAMES.map((n) => programmableHandler(`test.${n}`, executions)),
      leaseSeconds: 2,
      concurrency: 8,
    });
  });
  afterAll(async () => {
    await tasker?.close();
    await db?.drop();
  });

  it("completes every task when the broker closes all connections mid-run", async () => {
    const created = await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        tasker.client.createTask({
          name: "linear5",
          namespace: "test_alpha",
          context: { i, sleep_ms: { b: 100, d: 100 } },
        }),
      ),
    );
    const uuids = created.map((c) => c.task.task_uuid);
    await expect
      .poll(
        async () => (await tasker.client.listTasks({ status: "complete", limit: 500 })).pagination.total,
        {
          timeout: 20_000,
        },
      )
      .toBeGreaterThan(2);
    execFileSync("rabbitmqctl", ["close_all_connections", "tasker test: connection loss"], {
      stdio: "ignore",
    });

    const finished = await Promise.all(uuids.map((u) => tasker.client.waitForTask(u, { timeoutMs: 90_000 })));
    expect(finished.map((t) => t.status)).toEqual(Array(30).fill("complete"));
    // Every step ran to completion once: no transition was applied twice.
    const doubled = await tasker.database.query(
      `SELECT workflow_step_uuid, event, count(*)::int AS n FROM tasker.workflow_step_transitions
        WHERE task_uuid = ANY($1::uuid[]) AND event IN ('succeed', 'complete')
        GROUP BY workflow_step_uuid, event HAVING count(*) > 1`,
      [uuids],
    );
    expect(doubled).toEqual([]);
    const runs = executions.filter((e) => uuids.includes(e.task));
    expect(new Set(runs.map((e) => `${e.task}/${e.step}`)).size).toBe(30 * 5);
    expect((await tasker.health()).queue).toBe(true);
  }, 150_000);
});
