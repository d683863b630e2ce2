// What a worker process needs when it reaches the engine only through the orchestration server
// (`npm run worker -- --remote`): the app database, the job queue and the workflows' handlers, with
// an engine handle whose client is the server's HTTP API. No engine database credentials.
import {
  createLogger,
  type Logger,
  loadConfig as loadTaskerConfig,
  type TaskerConfig,
} from "@tasker-ts/tasker";
import { TaskerHttpClient } from "@tasker-ts/tasker/client";
import { type AppConfig, loadConfig } from "../config.js";
import { type AppDatabase, openAppDatabase } from "../db/client.js";
import { createJobQueue } from "../jobs/create-job-queue.js";
import type { JobQueue } from "../jobs/job-queue.js";
import { registerAppJobs } from "../jobs/register-jobs.js";
import type { AppDeps } from "../lib/deps.js";
import { allNamespaces, createWorkflows, type Workflow } from "../workflows/index.js";
import { appPoolSize } from "./app-pool-size.js";
import type { EngineHandle } from "./engine-handle.js";

export interface RemoteRuntime {
  config: AppConfig;
  taskerConfig: TaskerConfig;
  orchestrationUrl: string;
  apiKey: string | undefined;
  logger: Logger;
  appDb: AppDatabase;
  jobs: JobQueue;
  workflows: Workflow[];
  namespaces: string[];
  /** How many step handlers the worker runs at once: the flag's, else worker.toml's. */
  workerConcurrency: number;
}

export async function openRemoteRuntime(options: {
  name: string;
  env?: NodeJS.ProcessEnv;
  /** The worker's concurrency when a flag sets it (default worker.toml's): the app's pool is sized for it. */
  workerConcurrency?: number | undefined;
}): Promise<RemoteRuntime> {
  const env = options.env ?? process.env;
  const config = loadConfig(env);
  if (!config.orchestrationUrl) {
    throw new Error(
      "--remote runs the handlers through the orchestration server: set ORCHESTRATION_URL (e.g. http://127.0.0.1:8080)",
    );
  }
  const appUrl = config.appDatabaseUrl;
  if (!appUrl || !/^postgres(ql)?:\/\//.test(appUrl)) {
    throw new Error(
      "a remote worker writes the app's tables that the app process reads: set APP_DATABASE_URL to the app's PostgreSQL database",
    );
  }
  const logger = createLogger({ name: options.name, ...(config.logLevel ? { level: config.logLevel } : {}) });
  const taskerConfig = loadTaskerConfig({ path: config.configPath, env }).config;
  const workerConcurrency = options.workerConcurrency ?? taskerConfig.worker.concurrency;
  const apiKey = env.TASKER_API_KEY || undefined;
  const appDb = await openAppDatabase({
    url: appUrl,
    dataDir: `${config.dataDir}/app`,
    poolSize: appPoolSize(workerConcurrency, { routes: false }),
  });
  // Handlers that create or read tasks (team scaling) do it over HTTP; nothing here needs events.
  const tasker: EngineHandle = {
    client: new TaskerHttpClient({ baseUrl: config.orchestrationUrl, ...(apiKey ? { apiKey } : {}) }),
    events: { on: () => () => {} },
  };
  const jobs = await createJobQueue(config, logger);
  const deps: AppDeps = { db: appDb.db, tasker, jobs, config, logger };
  const workflows = createWorkflows(deps);
  registerAppJobs(deps, workflows);
  return {
    config,
    taskerConfig,
    orchestrationUrl: config.orchestrationUrl,
    apiKey,
    logger,
    appDb,
    jobs,
    workflows,
    namespaces: allNamespaces(workflows),
    workerConcurrency,
  };
}
