// Opens everything a process of this app runs on: the app database, the engine (with the app's
// templates), the job queue, the workflows with their job processors. main.ts and worker-main.ts
// start different parts of it.
import { existsSync } from "node:fs";
import {
  createLogger,
  createMetrics,
  embeddedSqlClient,
  type Logger,
  loadConfig as loadTaskerConfig,
  Tasker,
  type TaskerConfig,
} from "@tasker-ts/tasker";
import { type AppConfig, loadConfig } from "../config.js";
import { type AppDatabase, openAppDatabase } from "../db/client.js";
import { createJobQueue } from "../jobs/create-job-queue.js";
import type { JobQueue } from "../jobs/job-queue.js";
import { registerAppJobs } from "../jobs/register-jobs.js";
import type { AppDeps } from "../lib/deps.js";
import { allNamespaces, createWorkflows, type Workflow } from "../workflows/index.js";
import { appPoolSize } from "./app-pool-size.js";

export interface Runtime {
  config: AppConfig;
  taskerConfig: TaskerConfig;
  logger: Logger;
  appDb: AppDatabase;
  tasker: Tasker;
  jobs: JobQueue;
  deps: AppDeps;
  workflows: Workflow[];
  namespaces: string[];
  /** How many step handlers the worker runs at once: the flag's, else worker.toml's. */
  workerConcurrency: number;
}

export interface OpenRuntimeOptions {
  name: string;
  env?: NodeJS.ProcessEnv;
  /** Told what is being opened, as it happens (main.ts prints it while the app starts). */
  onProgress?: (message: string) => void;
  /** The worker's concurrency when a flag sets it (default worker.toml's): the app's pool is sized for it. */
  workerConcurrency?: number | undefined;
  /**
   * Whether this process serves the app's routes (main.ts) or only runs step handlers and jobs
   * (worker-main.ts): the app's pool has connections for the routes only in the first.
   */
  routes: boolean;
}

export async function openRuntime(options: OpenRuntimeOptions): Promise<Runtime> {
  const env = options.env ?? process.env;
  const progress = options.onProgress ?? (() => undefined);
  const config = loadConfig(env);
  const logger = createLogger({ name: options.name, ...(config.logLevel ? { level: config.logLevel } : {}) });
  const loaded = loadTaskerConfig({ path: config.configPath, env });
  for (const warning of loaded.warnings) logger.warn({ warning }, "worker.toml warning");
  const taskerConfig = loaded.config;
  const workerConcurrency = options.workerConcurrency ?? taskerConfig.worker.concurrency;
  const databaseUrl = taskerConfig.common.database.url || undefined;
  const searchPaths = taskerConfig.common.task_templates.search_paths;
  // The engine reports to the metrics the orchestration API serves (/metrics): tasks created
  // through the app's own client count too, not only those created through the API.
  const metrics = createMetrics(undefined, logger);
  const openEngine = () => {
    progress(
      databaseUrl ? "opening the engine database (PostgreSQL)" : `opening ${config.dataDir}/tasker (PGlite)`,
    );
    return Tasker.open({
      databaseUrl,
      dataDir: `${config.dataDir}/tasker`,
      templatePaths: searchPaths.length > 0 ? searchPaths : [config.templatePath],
      poolMax: taskerConfig.common.database.pool_max,
      logger,
      metrics,
      onProgress: progress,
    });
  };

  let appDb: AppDatabase;
  let tasker: Tasker;
  if (!databaseUrl && !config.appDatabaseUrl) {
    // Embedded: the app's tables (schema "app") live in the engine's PGlite database. One
    // instance, one data folder, one lock: PGlite takes seconds to start and belongs to one process.
    tasker = await openEngine();
    try {
      // The app's statements find rows by key: generic plans, as the engine's (see the option).
      appDb = await openAppDatabase({
        embedded: embeddedSqlClient(tasker.database, { genericPlans: true })!,
      });
    } catch (error) {
      await tasker.close();
      throw error;
    }
    if (existsSync(`${config.dataDir}/app/PG_VERSION`)) {
      logger.warn(
        { folder: `${config.dataDir}/app` },
        "the app's tables now live in the engine's database; this older app database folder is no longer used (delete it)",
      );
    }
  } else {
    // Without APP_DATABASE_URL the app shares the engine's server (its tables live in schema "app").
    appDb = await openAppDatabase({
      url: config.appDatabaseUrl ?? databaseUrl,
      dataDir: `${config.dataDir}/app`,
      poolSize: appPoolSize(workerConcurrency, { routes: options.routes }),
    });
    try {
      tasker = await openEngine();
    } catch (error) {
      await appDb.close();
      throw error;
    }
  }
  const jobs = await createJobQueue(config, logger);
  const deps: AppDeps = { db: appDb.db, tasker, jobs, config, logger };
  const workflows = createWorkflows(deps);
  registerAppJobs(deps, workflows);
  return {
    config,
    taskerConfig,
    logger,
    appDb,
    tasker,
    jobs,
    deps,
    workflows,
    namespaces: allNamespaces(workflows),
    workerConcurrency,
  };
}
