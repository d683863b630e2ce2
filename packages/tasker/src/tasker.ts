import { resolve } from "node:path";
import { InProcessClient } from "./client/in-process-client.js";
import { STEP_RETRY_SCHEDULED } from "./events/event-names.js";
import { LifecycleEvents, leaseFailureMessage } from "./events/lifecycle-events.js";
import { stepTypesFrom } from "./lifecycle/step-types.js";
import { createLogger, type Logger } from "./observability/logger.js";
import type { MetricsSink } from "./observability/metrics-sink.js";
import { Orchestrator, type OrchestratorOptions } from "./orchestrator/orchestrator.js";
import { PostgresTransport } from "./queue/postgres-transport.js";
import { type RabbitMqOptions, RabbitMqTransport } from "./queue/rabbitmq-transport.js";
import type { MessageTransport } from "./queue/transport.js";
import type { Database } from "./store/database.js";
import { migrate } from "./store/migrate.js";
import { openDatabase } from "./store/open-database.js";
import { TemplateStore } from "./store/template-store.js";
import { loadTemplates } from "./template/load.js";
import type { TaskTemplate } from "./template/schema.js";
import type { ShapeLimits } from "./template/shape-rules.js";
import type { StepHandler } from "./worker/handler.js";
import { HandlerRegistry } from "./worker/handler-registry.js";
import { Worker, type WorkerOptions } from "./worker/worker.js";

/** Options of {@link Tasker.open}; with none, the engine is embedded (PGlite under `.data/tasker`). */
export interface TaskerOptions {
  /** postgres://... = a PostgreSQL server (many processes may share it); else embedded PGlite. */
  databaseUrl?: string | undefined;
  /** PGlite data directory, or `memory://`. Default `${TASKER_DATA_DIR ?? ".data"}/tasker`. */
  dataDir?: string | undefined;
  /** Use this already-open database instead (it is not closed by `close()`). */
  database?: Database;
  /** Template files or directories (searched recursively for *.yml / *.yaml). */
  templatePaths?: readonly string[];
  templates?: readonly TaskTemplate[];
  logger?: Logger;
  metrics?: MetricsSink;
  /** Refuse new tasks with 503 while this many are unfinished (0 = no limit). */
  maxPendingTasks?: number;
  poolMax?: number;
  /** Signal transport: Postgres tables (default) or RabbitMQ. Default TASKER_MESSAGING_BACKEND. */
  messaging?: "postgres" | "rabbitmq";
  /** RabbitMQ settings; the URL defaults to RABBITMQ_URL, then amqp://guest:guest@127.0.0.1:5672. */
  rabbitmq?: RabbitMqOptions;
  /**
   * A task created through this process's client hands its first ready step straight to a worker
   * of this process that serves the namespace and has a free slot: the creating statement claims
   * it, and the step starts without a queue read (default true; queue-table transport only).
   */
  claimAtCreation?: boolean;
  /**
   * Unknown keys in the templates of `templatePaths` are warnings instead of errors (default
   * TASKER_LENIENT=true, else errors).
   */
  lenient?: boolean;
  /**
   * Limits on the decisions of the templates of `templatePaths` (steps per decision, decision
   * depth); default DEFAULT_SHAPE_LIMITS (100 and 10).
   */
  decisionLimits?: Partial<ShapeLimits>;
  /**
   * Told about the slow parts of opening (making PGlite's first cluster, before it starts; engine
   * migrations applied), so a process can show progress while it starts.
   */
  onProgress?: (message: string) => void;
}

/** Options of {@link Tasker.startWorker}: the handlers (given or discovered) and the worker's tuning. */
export interface StartWorkerOptions extends Partial<WorkerOptions> {
  handlers?: readonly StepHandler[];
  /** Directories to discover handlers in (every exported handler is registered). */
  handlerDirs?: readonly string[];
}

/**
 * The engine in one object: database, templates, client, events, and the orchestrator and
 * workers this process runs. `await Tasker.open()` with no options is the embedded default.
 */
export class Tasker {
  readonly client: InProcessClient;
  readonly events: LifecycleEvents;
  readonly templates: TemplateStore;
  /**
   * Template files and folders this engine loaded when it opened (absolute): bootstrapWorker does
   * not load and register them a second time.
   */
  readonly templateSources = new Set<string>();
  private readonly orchestrators = new Set<Orchestrator>();
  private readonly orchestratorUnsubscribes = new Map<Orchestrator, () => void>();
  private readonly workers = new Set<Worker>();
  private closed = false;

  private constructor(
    readonly database: Database,
    readonly transport: MessageTransport,
    readonly logger: Logger,
    private readonly ownsDatabase: boolean,
    options: TaskerOptions,
  ) {
    this.templates = new TemplateStore(database, options.decisionLimits);
    this.events = new LifecycleEvents(
      database,
      (err, event) =>
        logger.error(
          { err: (err as Error)?.message, event: event.event, task_uuid: event.task_uuid },
          "lifecycle listener failed",
        ),
      (err, operation) =>
        logger.warn({ err: (err as Error)?.message, operation }, leaseFailureMessage(operation)),
    );
    this.client = new InProcessClient(database, this.templates, this.events, {
      maxPendingTasks: options.maxPendingTasks ?? 0,
      ...(options.metrics ? { metrics: options.metrics } : {}),
      ...(options.claimAtCreation !== false && {
        reserveWorkerSlot: (ns: string) => this.reserveWorkerSlot(ns),
      }),
    });
    this.metrics = options.metrics;
  }

  readonly metrics: MetricsSink | undefined;

  /**
   * Opens the database (PostgreSQL for a `postgres://` URL, else PGlite), applies migrations,
   * opens the signal transport, and registers the given templates. Throws, naming every problem,
   * when a template is invalid.
   */
  static async open(options: TaskerOptions = {}): Promise<Tasker> {
    const logger = options.logger ?? createLogger();
    const database =
      options.database ??
      (await openDatabase({
        databaseUrl: options.databaseUrl,
        dataDir: options.dataDir,
        poolMax: options.poolMax,
        logger,
        onProgress: options.onProgress,
      }));
    try {
      const { applied } = await migrate(database);
      if (applied.length > 0) options.onProgress?.(`applied ${applied.length} engine migration(s)`);
      const transport = await openTransport(database, logger, options);
      const tasker = new Tasker(database, transport, logger, !options.database, options);
      const templates = [...(options.templates ?? [])];
      if (options.templatePaths && options.templatePaths.length > 0) {
        const loaded = await loadTemplates([...options.templatePaths], {
          ...(options.lenient === undefined ? {} : { lenient: options.lenient }),
          ...(options.decisionLimits ? { limits: options.decisionLimits } : {}),
        });
        if (loaded.errors.length > 0) throw new Error(loaded.errors.map((e) => e.message).join("\n"));
        for (const path of options.templatePaths) tasker.templateSources.add(resolve(path));
        for (const w of loaded.warnings) logger.warn({ warning: w }, "template warning");
        templates.push(...loaded.templates.map((t) => t.template));
      }
      await tasker.templates.register(templates);
      return tasker;
    } catch (err) {
      if (!options.database) await database.close();
      throw err;
    }
  }

  /** Starts an orchestrator in this process (safe to run several, here or elsewhere). */
  async startOrchestrator(options: OrchestratorOptions = {}): Promise<Orchestrator> {
    const orchestrator = new Orchestrator(
      this.database,
      this.transport,
      this.logger.child({ component: "orchestrator" }),
      options,
      this.metrics,
    );
    await orchestrator.start();
    // Retries scheduled anywhere (this process's workers, other processes) wake it when due.
    const unsubscribe = this.events.on(STEP_RETRY_SCHEDULED, () => orchestrator.retryScheduled());
    this.orchestratorUnsubscribes.set(orchestrator, unsubscribe);
    this.orchestrators.add(orchestrator);
    return orchestrator;
  }

  /**
   * Starts a worker for the given handlers. Without `namespaces`, it serves every namespace that
   * has a registered template using one of its handlers.
   */
  async startWorker(options: StartWorkerOptions): Promise<Worker> {
    const registry = new HandlerRegistry();
    registry.register(...(options.handlers ?? []));
    for (const dir of options.handlerDirs ?? []) await registry.discover(dir);
    const all = await this.templates.list();
    const namespaces =
      options.namespaces && options.namespaces.length > 0
        ? options.namespaces
        : [
            ...new Set(
              all
                .filter((t) => t.steps.some((s) => registry.has(s.handler.callable)))
                .map((t) => t.namespace_name),
            ),
          ].sort();
    const missing = [
      ...new Set(
        all
          .filter((t) => namespaces.includes(t.namespace_name))
          .flatMap((t) =>
            t.steps
              .filter((s) => !registry.has(s.handler.callable))
              .map((s) => `${s.handler.callable} (${t.namespace_name}/${t.name} step ${s.name})`),
          ),
      ),
    ];
    if (missing.length > 0) {
      throw new Error(
        `no handler is registered for these callables used by templates in namespaces ${namespaces.join(", ")}:\n  ${missing.join("\n  ")}\nregister them (handlers option or handlerDirs) or serve fewer namespaces`,
      );
    }
    if (namespaces.length === 0) {
      throw new Error(
        "this worker serves no namespace: register templates that use its handlers, or pass namespaces",
      );
    }
    const worker = new Worker(
      this.database,
      this.transport,
      registry,
      this.logger.child({ component: "worker" }),
      {
        ...options,
        namespaces,
      },
      this.metrics,
      stepTypesFrom(this.templates),
    );
    await worker.start();
    this.workers.add(worker);
    return worker;
  }

  /** A free slot of one of this process's workers serving `namespace` (see TaskerOptions.claimAtCreation). */
  private reserveWorkerSlot(namespace: string) {
    for (const worker of this.workers) {
      const slot = worker.reserveSlot(namespace);
      if (slot) return slot;
    }
    return undefined;
  }

  /** Whether the database and the queue transport answer (what `/health` reports). */
  async health(): Promise<{ database: boolean; queue: boolean }> {
    const database = await this.database.query("SELECT 1").then(
      () => true,
      () => false,
    );
    const queue = database && (await this.transport.healthy());
    return { database, queue };
  }

  /** Messages waiting per queue (`worker_<namespace>_queue`, `orchestration_step_results`), from the transport in use. */
  queueDepths() {
    return this.transport.queueDepths();
  }

  /** Stops one worker gracefully: no new steps, running ones finish (or are handed back). */
  async stopWorker(worker: Worker): Promise<void> {
    await worker.stop();
    this.workers.delete(worker);
  }

  /** Stops this process's workers (gracefully) and orchestrators, then closes the database. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all([...this.workers].map((w) => w.stop()));
    for (const off of this.orchestratorUnsubscribes.values()) off();
    await Promise.all([...this.orchestrators].map((o) => o.stop()));
    await this.events.close();
    await this.transport.close();
    if (this.ownsDatabase) await this.database.close();
  }
}

/** The transport named by the options, else TASKER_MESSAGING_BACKEND, else Postgres. */
async function openTransport(
  db: Database,
  logger: Logger,
  options: TaskerOptions,
): Promise<MessageTransport> {
  const kind = options.messaging ?? (process.env.TASKER_MESSAGING_BACKEND || "postgres");
  if (kind === "postgres") return new PostgresTransport(db, logger);
  if (kind !== "rabbitmq") {
    throw new Error(
      `unknown messaging backend "${kind}"; use "postgres" or "rabbitmq" (TASKER_MESSAGING_BACKEND)`,
    );
  }
  const expires = Number(process.env.RABBITMQ_QUEUE_EXPIRES_MS) || undefined;
  return RabbitMqTransport.open(db, logger, {
    ...(process.env.RABBITMQ_URL ? { url: process.env.RABBITMQ_URL } : {}),
    ...(expires ? { queueExpiresMs: expires } : {}),
    ...options.rabbitmq,
  });
}
