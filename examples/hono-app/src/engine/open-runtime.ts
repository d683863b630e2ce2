// Opens everything a process of this app runs on: the app database, the engine (with the app's
// templates), the job queue, the workflows with their job processors. main.ts and worker-main.ts
// start different parts of it.
import {
  createLogger,
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
}

export async function openRuntime(options: { name: string; env?: NodeJS.ProcessEnv }): Promise<Runtime> {
  const env = options.env ?? process.env;
  const config = loadConfig(env);
  const logger = createLogger({ name: options.name, ...(config.logLevel ? { level: config.logLevel } : {}) });
  const loaded = loadTaskerConfig({ path: config.configPath, env });
  for (const warning of loaded.warnings) logger.warn({ warning }, "worker.toml warning");
  const taskerConfig = loaded.config;
  const databaseUrl = taskerConfig.common.database.url || undefined;

  // Without APP_DATABASE_URL the app shares the engine's server (its tables live in schema "app").
  const appDb = await openAppDatabase({
    url: config.appDatabaseUrl ?? databaseUrl,
    dataDir: `${config.dataDir}/app`,
  });
  let tasker: Tasker;
  try {
    const searchPaths = taskerConfig.common.task_templates.search_paths;
    tasker = await Tasker.open({
      databaseUrl,
      dataDir: `${config.dataDir}/tasker`,
      templatePaths: searchPaths.length > 0 ? searchPaths : [config.templatePath],
      poolMax: taskerConfig.common.database.pool_max,
      logger,
    });
  } catch (error) {
    await appDb.close();
    throw error;
  }
  const jobs = createJobQueue(config, logger);
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
  };
}
