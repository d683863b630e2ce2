import type { Logger } from "@tasker-ts/tasker";
import type { AppConfig } from "../config.js";
import type { JobQueue } from "./job-queue.js";
import { MemoryJobQueue } from "./memory-queue.js";

/**
 * The job queue chosen by JOBS_BACKEND: in-process (default) or BullMQ on REDIS_URL. BullMQ (and
 * Redis's client) load only when chosen: importing them took ~0.5 s of every start.
 */
export async function createJobQueue(
  config: Pick<AppConfig, "jobsBackend" | "redisUrl">,
  logger?: Logger,
): Promise<JobQueue> {
  if (config.jobsBackend === "bullmq") {
    const { BullMqJobQueue } = await import("./bullmq-queue.js");
    return new BullMqJobQueue({ redisUrl: config.redisUrl, logger });
  }
  return new MemoryJobQueue(logger);
}
