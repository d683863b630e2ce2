import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import {
  defineHandler,
  type Logger,
  openDatabase,
  type StartWorkerOptions,
  TASK_COMPLETED,
  TASK_TERMINAL_EVENTS,
  Tasker,
  type Worker,
} from "@tasker-ts/tasker";
import { type OrchestrationServer, startOrchestrationServer } from "@tasker-ts/tasker/api";
import { createTestDatabase, type TestDatabase } from "@tasker-ts/tasker/testing";
import { namespaceQueue, ORCHESTRATION_QUEUE } from "../packages/tasker/src/queue/queue-names.js";
import { CompletionTracker } from "./completion-tracker.js";
import type { Backend, Transport } from "./options.js";
import type { Workflow } from "./results.js";
import { RUN_TIME_HANDLERS } from "./run-time-handlers.js";
import { SqlTrace } from "./sql-trace.js";
import { BENCH_RABBITMQ_URL, connectRabbitMq } from "./versions.js";

export const BENCH_NAMESPACE = "bench";
export const TEMPLATE_DIR = fileURLToPath(new URL("./templates/", import.meta.url));
const TASK_TIMEOUT_MS = 60_000;
/** A crashed run's queues disappear this long after their last use (RabbitMQ x-expires). */
const QUEUE_EXPIRES_MS = 10 * 60_000;

/** The no-op every benchmark step runs: what is left is the engine's own overhead. */
export const noopHandler = defineHandler("bench.noop", {}, async () => ({ ok: true }));

/** Records each task's end in `tracker`: completed, or the status (and error) it ended in. */
export function trackTaskOutcomes(tasker: Tasker, tracker: CompletionTracker): void {
  // The events that end a task only, as an app listens: step.completed is sent only while some
  // process listens for it.
  for (const name of TASK_TERMINAL_EVENTS) {
    tasker.events.on(name, (e) => {
      if (e.event === TASK_COMPLETED) tracker.record(e.task_uuid, true, "complete");
      else tracker.record(e.task_uuid, false, `${e.status}: ${e.error}`);
    });
  }
}

/**
 * One engine for the benchmark: its own database (a fresh PGlite data directory, or a fresh
 * PostgreSQL database from createTestDatabase), the bench templates, an orchestrator and a worker
 * in this process - the embedded deployment - with every option at the engine's defaults except
 * the worker's concurrency. The transport is always named, so TASKER_MESSAGING_BACKEND in the
 * environment cannot change what a contender measures.
 */
export class BenchEngine {
  readonly tracker = new CompletionTracker();
  private worker: Worker | undefined;
  /** With `remote`: the orchestration server the worker processes talk to. */
  private server: OrchestrationServer | undefined;

  private constructor(
    readonly backend: Backend,
    readonly transport: Transport,
    readonly tasker: Tasker,
    readonly trace: SqlTrace,
    private readonly cleanup: () => Promise<void>,
    /** The handlers run in worker processes over the worker protocol instead of in process. */
    readonly remote: boolean,
    private readonly logger: Logger,
  ) {}

  static async open(
    backend: Backend,
    logger: Logger,
    opts: {
      concurrency?: number;
      transport?: Transport;
      beforeOpen?: (db: TestDatabase) => Promise<void>;
      /**
       * No in-process worker: the handlers run in worker processes over the orchestration
       * server's HTTP API on loopback (see remote-workers.ts), to measure the worker protocol.
       */
      remote?: boolean;
      /** Templates besides the bench's own (the shapes part's: shapeTemplateDir()). */
      templatePaths?: readonly string[];
    } = {},
  ): Promise<BenchEngine> {
    const transport = opts.transport ?? "postgres";
    if (transport === "rabbitmq" && backend !== "postgres") {
      throw new Error(
        "the RabbitMQ transport is benchmarked on PostgreSQL only; open it with backend postgres",
      );
    }
    let testDb: TestDatabase | undefined;
    let dataDir: string | undefined;
    if (backend === "postgres") testDb = await createTestDatabase("tasker_bench");
    else dataDir = mkdtempSync(join(tmpdir(), "tasker-bench-"));
    // Queues of this engine alone (the bench's own prefix), deleted with its database.
    const queuePrefix = `tasker-bench.${Math.random().toString(36).slice(2, 10)}.`;
    const removeStorage = async () => {
      if (transport === "rabbitmq") {
        await deleteQueues(queuePrefix).catch((err: unknown) =>
          logger.warn(
            { err: (err as Error).message },
            `could not delete the bench's RabbitMQ queues ${queuePrefix}*; they expire after ${QUEUE_EXPIRES_MS / 60_000} min unused (the .dead ones need rabbitmqctl delete_queue)`,
          ),
        );
      }
      await testDb?.drop();
      if (dataDir) rmSync(dataDir, { recursive: true, force: true });
    };
    const trace = new SqlTrace();
    let database: Awaited<ReturnType<typeof openDatabase>> | undefined;
    try {
      if (testDb) await opts.beforeOpen?.(testDb);
      database = trace.wrap(await openDatabase({ databaseUrl: testDb?.url, dataDir, logger }));
      const tasker = await Tasker.open({
        database,
        templatePaths: [TEMPLATE_DIR, ...(opts.templatePaths ?? [])],
        logger,
        messaging: transport,
        ...(transport === "rabbitmq"
          ? { rabbitmq: { url: BENCH_RABBITMQ_URL, queuePrefix, queueExpiresMs: QUEUE_EXPIRES_MS } }
          : {}),
      });
      const opened = database;
      const engine = new BenchEngine(
        backend,
        transport,
        tasker,
        trace,
        async () => {
          await engine.server?.close();
          await tasker.close();
          await opened.close();
          await removeStorage();
        },
        opts.remote === true,
        logger,
      );
      trackTaskOutcomes(tasker, engine.tracker);
      // Subscribed before the first task, so no completion can be missed.
      await tasker.events.ready();
      await tasker.startOrchestrator();
      await engine.startWorker(opts.concurrency === undefined ? {} : { concurrency: opts.concurrency });
      return engine;
    } catch (err) {
      await database?.close().catch(() => undefined);
      await removeStorage();
      throw err;
    }
  }

  /** Restarts the worker with another concurrency (throughput runs at several levels). */
  async setConcurrency(concurrency: number): Promise<void> {
    if (this.worker) await this.tasker.stopWorker(this.worker);
    await this.startWorker({ concurrency });
  }

  /** The orchestration server remote workers talk to (started on first use). */
  async serverUrl(): Promise<string> {
    this.server ??= await startOrchestrationServer({
      tasker: this.tasker,
      port: 0,
      hostname: "127.0.0.1",
      auth: { enabled: false },
      logger: this.logger,
    });
    return this.server.url;
  }

  private async startWorker(options: Partial<StartWorkerOptions>): Promise<void> {
    // Remote: the handlers run in worker processes over the protocol (see remote-workers.ts).
    if (this.remote) return;
    this.worker = await this.tasker.startWorker({
      handlers: [noopHandler, ...RUN_TIME_HANDLERS],
      namespaces: [BENCH_NAMESPACE],
      ...options,
    });
  }

  /** Creates a task; resolves with its uuid (completion arrives through the tracker). */
  create(workflow: Workflow): Promise<string> {
    return this.createNamed(workflow);
  }

  /** Creates a task of any template of the bench namespace (a shape's, see shapes.ts; decision6, linear6, a batch's). */
  async createNamed(name: string): Promise<string> {
    const { task } = await this.tasker.client.createTask({ namespace: BENCH_NAMESPACE, name });
    return task.task_uuid;
  }

  /** One latency sample: create -> the `task.completed` event, in milliseconds. */
  async runOnce(workflow: string): Promise<number> {
    const start = performance.now();
    const uuid = await this.createNamed(workflow);
    const done = await this.tracker.wait(uuid, TASK_TIMEOUT_MS);
    if (!done.ok) throw new Error(`${workflow} task ${uuid} did not complete: ${done.detail}`);
    return done.at - start;
  }

  waitTimeoutMs(tasks: number): number {
    return TASK_TIMEOUT_MS + tasks * 100;
  }

  async close(): Promise<void> {
    await this.cleanup();
  }
}

/** Deletes the queues (and dead-letter queues) an engine with this prefix declared. */
async function deleteQueues(prefix: string): Promise<void> {
  const connection = await connectRabbitMq();
  try {
    const channel = await connection.createChannel();
    for (const queue of [namespaceQueue(BENCH_NAMESPACE), ORCHESTRATION_QUEUE]) {
      await channel.deleteQueue(`${prefix}${queue}`);
      await channel.deleteQueue(`${prefix}${queue}.dead`);
    }
  } finally {
    await connection.close().catch(() => undefined);
  }
}
