import { execFileSync } from "node:child_process";
import { type AddressInfo, connect, createServer, type Server, type Socket } from "node:net";
import amqplib from "amqplib";
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from "vitest";
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
  if (!rabbitUp) return false;
  try {
    execFileSync("rabbitmqctl", ["list_connections"], { stdio: "ignore", timeout: 20_000 });
    return true;
  } catch (err) {
    // A skip that says why: the tests below need rabbitmqctl to cut the broker's connections.
    console.warn(
      `RabbitMQ transport tests skipped: rabbitmqctl list_connections failed (${(err as Error).message})`,
    );
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

/**
 * A TCP proxy in front of the broker that can go down: `cut()` drops every connection and refuses
 * new ones (as a stopped broker or a network partition would), `restore()` listens again on the
 * same port. The broker itself stays up for everyone else sharing it.
 */
class BrokerLink {
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  port = 0;

  async open(): Promise<void> {
    this.server = createServer((client) => {
      const upstream = connect(5672, "127.0.0.1");
      for (const [a, b] of [
        [client, upstream],
        [upstream, client],
      ] as const) {
        this.sockets.add(a);
        a.on("error", () => b.destroy());
        a.on("close", () => {
          this.sockets.delete(a);
          b.destroy();
        });
        a.pipe(b);
      }
    });
    const server = this.server;
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(this.port, "127.0.0.1", resolve);
    });
    this.port = (server.address() as AddressInfo).port;
  }

  async cut(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    const closed = new Promise<void>((resolve) => server?.close(() => resolve()) ?? resolve());
    for (const socket of this.sockets) socket.destroy();
    await closed;
  }

  async restore(): Promise<void> {
    if (!this.server) await this.open();
  }
}

describe.skipIf(!rabbitUp)("RabbitMQ transport, broker unreachable", () => {
  let db: TestDatabase;
  let tasker: Tasker;
  const link = new BrokerLink();
  const executions: Execution[] = [];
  beforeAll(async () => {
    await link.open();
    db = await createTestDatabase();
    tasker = await Tasker.open({
      databaseUrl: db.url,
      templates: Object.values(TEMPLATES),
      messaging: "rabbitmq",
      rabbitmq: { url: `amqp://guest:guest@127.0.0.1:${link.port}`, queueExpiresMs: 600_000 },
    });
    await tasker.startOrchestrator({ pollIntervalMs: 100 });
    await tasker.startWorker({
      handlers: STEP_NAMES.map((n) => programmableHandler(`test.${n}`, executions)),
      concurrency: 8,
    });
  });
  afterAll(async () => {
    await link.restore().catch(() => undefined);
    await tasker?.close();
    await db?.drop();
  });

  const outbox = async () =>
    (await tasker.database.query<{ n: number }>("SELECT count(*)::int AS n FROM tasker.queue_messages"))[0]!
      .n;

  it("keeps signals in the outbox while the broker is away and delivers them when it is back", async () => {
    const first = await tasker.client.createTask({ name: "linear5", namespace: "test_alpha", context: {} });
    expect((await tasker.client.waitForTask(first.task.task_uuid, { timeoutMs: 30_000 })).status).toBe(
      "complete",
    );

    await link.cut();
    await expect.poll(async () => (await tasker.health()).queue, { timeout: 10_000 }).toBe(false);
    // Tasks are still accepted: creating one writes its first signal to the outbox with it.
    const created = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        tasker.client.createTask({ name: "linear5", namespace: "test_alpha", context: { i } }),
      ),
    );
    const uuids = created.map((c) => c.task.task_uuid);
    await new Promise((r) => setTimeout(r, 1500));
    expect(await outbox()).toBeGreaterThanOrEqual(10);
    expect(executions.filter((e) => uuids.includes(e.task))).toEqual([]);

    await link.restore();
    const finished = await Promise.all(uuids.map((u) => tasker.client.waitForTask(u, { timeoutMs: 60_000 })));
    expect(finished.map((t) => t.status)).toEqual(Array(10).fill("complete"));
    await expect.poll(outbox, { timeout: 10_000 }).toBe(0);
    expect((await tasker.health()).queue).toBe(true);
    // Every step of every task ran exactly once.
    const runs = executions.filter((e) => uuids.includes(e.task));
    expect(runs).toHaveLength(10 * 5);
    expect(new Set(runs.map((e) => `${e.task}/${e.step}`)).size).toBe(10 * 5);
  }, 120_000);
});

describe.skipIf(!rabbitUp)("RabbitMQ transport, signals lost by the broker", () => {
  /** An engine on its own database and queue prefix, closed when the test ends. */
  async function brokerEngine(label: string) {
    const db = await createTestDatabase();
    const prefix = `tasker.${label}-${process.pid}-${Date.now()}.`;
    const tasker = await Tasker.open({
      databaseUrl: db.url,
      templates: Object.values(TEMPLATES),
      messaging: "rabbitmq",
      rabbitmq: { queuePrefix: prefix, queueExpiresMs: 600_000, relayPollIntervalMs: 50 },
    });
    onTestFinished(async () => {
      await tasker.close();
      await db.drop();
    });
    return { tasker, prefix, executions: [] as Execution[] };
  }

  it("re-signals a step left enqueued after its message was dropped (dead-lettered, purged)", async () => {
    const { tasker, prefix, executions } = await brokerEngine("lost");
    // No worker yet: the root step's signal is relayed to the broker and waits there.
    const { task } = await tasker.client.createTask({ name: "linear5", namespace: "test_alpha" });
    await expect
      .poll(
        async () =>
          (
            await tasker.database.query<{ n: number }>("SELECT count(*)::int AS n FROM tasker.queue_messages")
          )[0]!.n,
        { timeout: 10_000 },
      )
      .toBe(0);
    // The broker loses it (as a dead-lettered delivery would be lost to the worker queue).
    const connection = await amqplib.connect("amqp://guest:guest@127.0.0.1:5672");
    try {
      const channel = await connection.createChannel();
      const purged = await channel.purgeQueue(`${prefix}worker_test_alpha_queue`);
      expect(purged.messageCount).toBe(1);
    } finally {
      await connection.close();
    }
    await tasker.startOrchestrator({ pollIntervalMs: 100, sweepIntervalMs: 200, staleEnqueuedSeconds: 1 });
    await tasker.startWorker({
      handlers: STEP_NAMES.map((n) => programmableHandler(`test.${n}`, executions)),
      concurrency: 2,
    });
    const done = await tasker.client.waitForTask(task.task_uuid, { timeoutMs: 30_000 });
    expect(done.status).toBe("complete");
    expect(executions.filter((e) => e.task === task.task_uuid).map((e) => e.step)).toEqual([
      "a",
      "b",
      "c",
      "d",
      "e",
    ]);
  });

  it("re-evaluates a task whose retry is overdue after its wake-up message was dropped", async () => {
    const { tasker, prefix, executions } = await brokerEngine("lostwake");
    // A worker but no orchestrator: the failure is applied by the worker, the wake-up for the
    // retry goes to the broker's orchestration queue when due, and is lost there.
    const worker = await tasker.startWorker({
      handlers: STEP_NAMES.map((n) => programmableHandler(`test.${n}`, executions)),
    });
    const { task } = await tasker.client.createTask({
      name: "linear5",
      namespace: "test_alpha",
      context: { fail: { a: { mode: "retryable", times: 1, retry_after_ms: 100 } } },
    });
    const orchestration = `${prefix}orchestration_step_results`;
    const connection = await amqplib.connect("amqp://guest:guest@127.0.0.1:5672");
    try {
      // checkQueue closes its channel while the queue does not exist yet: one channel per look.
      const waiting = async () => {
        const channel = await connection.createChannel();
        channel.on("error", () => undefined);
        return channel.checkQueue(orchestration).then(
          async (q) => {
            await channel.close();
            return q.messageCount;
          },
          () => -1,
        );
      };
      await expect.poll(waiting, { timeout: 10_000 }).toBe(1);
      const channel = await connection.createChannel();
      await channel.purgeQueue(orchestration);
    } finally {
      await connection.close();
    }
    expect((await tasker.client.getTask(task.task_uuid)).steps[0]!.current_state).toBe("waiting_for_retry");
    await tasker.startOrchestrator({ pollIntervalMs: 100, sweepIntervalMs: 200, staleEnqueuedSeconds: 1 });
    const done = await tasker.client.waitForTask(task.task_uuid, { timeoutMs: 30_000 });
    expect(done.status).toBe("complete");
    expect(done.steps[0]!.attempts).toBe(2);
    await worker.stop();
  });
});

describe("RabbitMQ transport, broker not there at startup", () => {
  it("refuses to open with a message that names the broker and what to do", async () => {
    // A port that was just free: nothing listens there.
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const port = (server.address() as AddressInfo).port;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    const db = await createTestDatabase();
    try {
      const opened = Tasker.open({
        databaseUrl: db.url,
        messaging: "rabbitmq",
        rabbitmq: { url: `amqp://guest:secret@127.0.0.1:${port}` },
      });
      const err = (await opened.then(
        async (t) => {
          await t.close();
          return undefined;
        },
        (e: Error) => e,
      )) as Error | undefined;
      expect(err?.message).toMatch(/could not connect to RabbitMQ at amqp:\/\/guest:\*\*\*@127\.0\.0\.1:\d+/);
      expect(err?.message).toContain("RABBITMQ_URL");
      expect(err?.message).not.toContain("secret");
    } finally {
      await db.drop();
    }
  }, 30_000);
});
