// Everything a workflow's routes and handlers need, passed in explicitly (no globals), so one
// process (or one test file) can run several apps on different databases.
import type { Logger } from "@tasker-ts/tasker";
import type { AppConfig } from "../config.js";
import type { AppDb } from "../db/client.js";
import type { EngineHandle } from "../engine/engine-handle.js";
import type { JobQueue } from "../jobs/job-queue.js";

export interface AppDeps {
  db: AppDb;
  tasker: EngineHandle;
  jobs: JobQueue;
  config: AppConfig;
  logger: Logger;
}
