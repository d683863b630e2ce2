import type { Logger } from "@tasker-ts/tasker";
import type { AppConfig } from "../config.js";
import { BullMqJobQueue } from "./bullmq-queue.js";
import type { JobQueue } from "./job-queue.js";
import { MemoryJobQueue } from "./memory-queue.js";

/** The job queue chosen by JOBS_BACKEND: in-process (default) or BullMQ on REDIS_URL. */
export function createJobQueue(
  config: Pick<AppConfig, "jobsBackend" | "redisUrl">,
  logger?: Logger,
): JobQueue {
  if (config.jobsBackend === "bullmq") return new BullMqJobQueue({ redisUrl: config.redisUrl, logger });
  return new MemoryJobQueue(logger);
}
