import type { Logger } from "../observability/logger.js";
import { Tasker } from "../tasker.js";
import type { StepHandler } from "./handler.js";
import type { Worker, WorkerStatus } from "./worker.js";

export interface BootstrapConfig {
  handlers?: StepHandler[];
  /** Directories to discover handlers in. */
  handlerDirs?: string[];
  namespaces?: string[];
  /** An engine to run on; without it one is opened from DATABASE_URL (else embedded PGlite). */
  tasker?: Tasker;
  /** Template file or directory; default TASKER_TEMPLATE_PATH. */
  templatePath?: string;
  concurrency?: number;
  workerId?: string;
  logger?: Logger;
}

export interface BootstrapResult {
  success: boolean;
  status: "started" | "already_running" | "error";
  message: string;
  workerId: string;
}

interface Running {
  worker: Worker;
  tasker: Tasker;
  ownsTasker: boolean;
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
      message: `worker ${running.worker.workerId} is already running`,
      workerId: running.worker.workerId,
    });
  }
  starting ??= start(config).finally(() => {
    starting = undefined;
  });
  return starting.then((r) => (r.status === "started" && running ? r : r));
}

async function start(config: BootstrapConfig): Promise<BootstrapResult> {
  let tasker = config.tasker;
  const ownsTasker = !tasker;
  try {
    const templatePath = config.templatePath ?? process.env.TASKER_TEMPLATE_PATH;
    if (!tasker) {
      tasker = await Tasker.open({
        databaseUrl: process.env.DATABASE_URL,
        templatePaths: templatePath ? [templatePath] : [],
        ...(config.logger ? { logger: config.logger } : {}),
      });
    } else if (templatePath && config.templatePath) {
      await registerFrom(tasker, templatePath);
    }
    const namespaces =
      config.namespaces ??
      (process.env.TASKER_WORKER_NAMESPACES
        ? process.env.TASKER_WORKER_NAMESPACES.split(",")
            .map((s) => s.trim())
            .filter(Boolean)
        : undefined);
    const worker = await tasker.startWorker({
      handlers: config.handlers ?? [],
      handlerDirs: config.handlerDirs ?? [],
      ...(namespaces ? { namespaces } : {}),
      ...(config.concurrency ? { concurrency: config.concurrency } : {}),
      ...(config.workerId ? { workerId: config.workerId } : {}),
    });
    running = { worker, tasker, ownsTasker };
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

async function registerFrom(tasker: Tasker, path: string): Promise<void> {
  const { loadTemplates } = await import("../template/load.js");
  const loaded = await loadTemplates([path]);
  if (loaded.errors.length > 0) throw new Error(loaded.errors.map((e) => e.message).join("\n"));
  await tasker.templates.register(loaded.templates.map((t) => t.template));
}

/** Stops the bootstrapped worker gracefully (and its engine, if bootstrap opened it). */
export async function stopWorker(): Promise<void> {
  const r = running;
  running = undefined;
  if (!r) return;
  await r.tasker.stopWorker(r.worker);
  if (r.ownsTasker) await r.tasker.close();
}

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
  return { status: "running", ...running.worker.status() };
}
