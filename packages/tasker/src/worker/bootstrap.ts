import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import { loadConfig } from "../config/load.js";
import { createLogger, type Logger } from "../observability/logger.js";
import { Tasker } from "../tasker.js";
import { loadTemplates } from "../template/load.js";
import type { StepHandler } from "./handler.js";
import { HandlerRegistry } from "./handler-registry.js";
import { RemoteWorker } from "./remote-worker.js";
import type { WorkerStatus } from "./worker.js";

/** Options of {@link bootstrapWorker}; each one wins over worker.toml. */
export interface BootstrapConfig {
  handlers?: StepHandler[];
  /** Directories to discover handlers in. */
  handlerDirs?: string[];
  namespaces?: string[];
  /** An engine to run on; without it one is opened from DATABASE_URL (else embedded PGlite). */
  tasker?: Tasker;
  /** Template file or directory; default TASKER_TEMPLATE_PATH (and the config's search_paths). */
  templatePath?: string;
  /** worker.toml; default TASKER_CONFIG_PATH. Explicit options above win over the file. */
  configPath?: string;
  concurrency?: number;
  workerId?: string;
  logger?: Logger;
  /**
   * Run over the worker protocol instead of on the database: the orchestration server's URL
   * (e.g. `http://127.0.0.1:8080`). The worker then needs no database access; templates from
   * `templatePath` are registered through the server, and `namespaces` must be given.
   */
  orchestrationUrl?: string;
  /** The API key sent to the orchestration server (`worker` and `templates:write` permissions). */
  apiKey?: string;
}

/** What {@link bootstrapWorker} resolves with (it never throws). */
export interface BootstrapResult {
  success: boolean;
  status: "started" | "already_running" | "error";
  message: string;
  workerId: string;
}

interface Running {
  workerId: string;
  status(): Omit<WorkerStatus, "queues" | "startedAt"> & Partial<Pick<WorkerStatus, "queues" | "startedAt">>;
  stop(): Promise<void>;
}

let running: Running | undefined;
let starting: Promise<BootstrapResult> | undefined;

/**
 * Starts this process's worker: registers the templates, checks every template step in its
 * namespaces has a handler, and starts consuming. Never throws; a second call while running
 * returns `already_running`.
 */
export function bootstrapWorker(config: BootstrapConfig = {}): Promise<BootstrapResult> {
  if (running) {
    return Promise.resolve({
      success: true,
      status: "already_running",
      message: `worker ${running.workerId} is already running`,
      workerId: running.workerId,
    });
  }
  starting ??= start(config).finally(() => {
    starting = undefined;
  });
  return starting.then((r) => (r.status === "started" && running ? r : r));
}

async function start(config: BootstrapConfig): Promise<BootstrapResult> {
  if (config.orchestrationUrl) return startRemote({ ...config, orchestrationUrl: config.orchestrationUrl });
  let tasker = config.tasker;
  const ownsTasker = !tasker;
  try {
    // worker.toml (TASKER_CONFIG_PATH) with env overrides; explicit options win over it.
    const { config: file, warnings } = loadConfig(config.configPath ? { path: config.configPath } : {});
    for (const w of warnings)
      (config.logger ?? tasker?.logger)?.warn({ warning: w }, "worker config warning");
    const templatePaths = [
      ...(config.templatePath ? [config.templatePath] : []),
      ...file.common.task_templates.search_paths,
    ];
    if (!tasker) {
      tasker = await Tasker.open({
        databaseUrl: file.common.database.url || undefined,
        poolMax: file.common.database.pool_max,
        messaging: file.common.queues.backend,
        rabbitmq: { url: file.common.queues.rabbitmq.url },
        templatePaths,
        ...(config.logger ? { logger: config.logger } : {}),
      });
    } else if (templatePaths.length > 0) {
      await registerFrom(tasker, templatePaths);
    }
    const namespaces =
      config.namespaces ?? (file.worker.namespaces.length > 0 ? file.worker.namespaces : undefined);
    const worker = await tasker.startWorker({
      handlers: config.handlers ?? [],
      handlerDirs: [...(config.handlerDirs ?? []), ...file.worker.handler_paths],
      ...(namespaces ? { namespaces } : {}),
      concurrency: config.concurrency ?? file.worker.concurrency,
      writeConcurrency: file.worker.write_concurrency,
      maxResultBytes: file.worker.max_result_bytes,
      workerId: config.workerId ?? file.worker.worker_id,
      leaseSeconds: file.common.queues.visibility_timeout_seconds,
      pollIntervalMs: file.common.queues.poll_interval_ms,
      batchSize: file.common.queues.batch_size,
      shutdownTimeoutMs: file.worker.shutdown_timeout_ms,
    });
    const engine = tasker;
    running = {
      workerId: worker.workerId,
      status: () => worker.status(),
      stop: async () => {
        await engine.stopWorker(worker);
        if (ownsTasker) await engine.close();
      },
    };
    const ns = worker.status().namespaces.join(", ");
    return {
      success: true,
      status: "started",
      message: `worker ${worker.workerId} serving ${ns}`,
      workerId: worker.workerId,
    };
  } catch (err) {
    if (ownsTasker) await tasker?.close().catch(() => undefined);
    return { success: false, status: "error", message: (err as Error).message, workerId: "" };
  }
}

/** The worker over the protocol: handlers here, everything else behind the orchestration server. */
async function startRemote(config: BootstrapConfig & { orchestrationUrl: string }): Promise<BootstrapResult> {
  try {
    const { config: file } = loadConfig(config.configPath ? { path: config.configPath } : {});
    const namespaces = config.namespaces ?? file.worker.namespaces;
    if (namespaces.length === 0) {
      throw new Error(
        "a remote worker needs its namespaces: pass namespaces (or set worker.namespaces in worker.toml)",
      );
    }
    const registry = new HandlerRegistry();
    registry.register(...(config.handlers ?? []));
    for (const dir of [...(config.handlerDirs ?? []), ...file.worker.handler_paths])
      await registry.discover(dir);
    const templatePaths = [
      ...new Set(
        [
          ...(config.templatePath ? [config.templatePath] : []),
          ...file.common.task_templates.search_paths,
        ].map((p) => resolve(p)),
      ),
    ];
    const loaded = templatePaths.length > 0 ? await loadTemplates(templatePaths) : undefined;
    if (loaded && loaded.errors.length > 0) throw new Error(loaded.errors.map((e) => e.message).join("\n"));
    const templates = await Promise.all((loaded?.templates ?? []).map((t) => readFile(t.file, "utf8")));
    const worker = new RemoteWorker(registry, config.logger ?? createLogger(), {
      orchestrationUrl: config.orchestrationUrl,
      apiKey: config.apiKey,
      namespaces,
      workerId: config.workerId ?? file.worker.worker_id,
      concurrency: config.concurrency ?? file.worker.concurrency,
      leaseSeconds: file.common.queues.visibility_timeout_seconds,
      shutdownTimeoutMs: file.worker.shutdown_timeout_ms,
      templates,
    });
    await worker.start();
    running = {
      workerId: worker.workerId,
      status: () => ({ ...worker.status(), queues: [], startedAt: null }),
      stop: () => worker.stop(),
    };
    return {
      success: true,
      status: "started",
      message: `worker ${worker.workerId} serving ${namespaces.join(", ")} through ${config.orchestrationUrl}`,
      workerId: worker.workerId,
    };
  } catch (err) {
    return { success: false, status: "error", message: (err as Error).message, workerId: "" };
  }
}

async function registerFrom(tasker: Tasker, paths: string[]): Promise<void> {
  // What the engine loaded when it opened is registered already.
  const fresh = paths.filter((p) => !tasker.templateSources.has(resolve(p)));
  if (fresh.length === 0) return;
  const loaded = await loadTemplates(fresh);
  if (loaded.errors.length > 0) throw new Error(loaded.errors.map((e) => e.message).join("\n"));
  await tasker.templates.register(loaded.templates.map((t) => t.template));
}

/** Stops the bootstrapped worker gracefully (and its engine, if bootstrap opened it). */
export async function stopWorker(): Promise<void> {
  const r = running;
  running = undefined;
  await r?.stop();
}

/** The bootstrapped worker's status, or `stopped` when none runs. */
export function getWorkerStatus(): WorkerStatus & { status: "running" | "stopped" } {
  if (!running) {
    return {
      status: "stopped",
      workerId: "",
      running: false,
      namespaces: [],
      queues: [],
      handlers: [],
      inFlight: 0,
      completed: 0,
      failed: 0,
      startedAt: null,
    };
  }
  return { status: "running", queues: [], startedAt: null, ...running.status() };
}
