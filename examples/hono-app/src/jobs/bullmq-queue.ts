// The JobQueue on Redis through BullMQ (JOBS_BACKEND=bullmq, REDIS_URL). Jobs survive restarts
// and are shared by every app process connected to the same Redis.
import type { Logger } from "@tasker-ts/tasker";
import { type Job as BullJob, Queue, Worker } from "bullmq";
import type { Job, JobFailureListener, JobOptions, JobProcessor, JobQueue } from "./job-queue.js";

export interface BullMqJobQueueOptions {
  redisUrl: string;
  /** Key prefix in Redis, so several apps (or test runs) can share one server. */
  prefix?: string;
  logger?: Logger;
}

export class BullMqJobQueue implements JobQueue {
  readonly backend = "bullmq" as const;
  private readonly queues = new Map<string, Queue>();
  private readonly workers = new Map<string, Worker>();
  private readonly failureListeners: JobFailureListener[] = [];
  private readonly connection: { url: string; maxRetriesPerRequest: null };
  private readonly prefix: string;
  private closed = false;

  constructor(private readonly options: BullMqJobQueueOptions) {
    // Workers block on Redis; BullMQ requires maxRetriesPerRequest: null for them.
    this.connection = { url: options.redisUrl, maxRetriesPerRequest: null };
    this.prefix = options.prefix ?? "hono-app";
  }

  async add<T>(queue: string, data: T, options: JobOptions = {}): Promise<{ id: string }> {
    if (this.closed) throw new Error(`job queue is closed; cannot add a job to "${queue}"`);
    const job = await this.queue(queue).add(queue, data, {
      attempts: Math.max(1, options.attempts ?? 1),
      backoff: options.backoff ? { type: options.backoff.type, delay: options.backoff.delayMs } : undefined,
      delay: options.delayMs,
      // BullMQ reserves ":" in ids.
      jobId: options.jobId?.replaceAll(":", "-"),
      removeOnComplete: 1000,
      removeOnFail: 5000,
    });
    return { id: String(job.id) };
  }

  process<T>(queue: string, concurrency: number, fn: JobProcessor<T>): void {
    if (this.workers.has(queue)) throw new Error(`queue "${queue}" already has a processor`);
    const worker = new Worker(queue, async (job: BullJob) => fn(this.toJob<T>(queue, job)), {
      connection: this.connection,
      prefix: this.prefix,
      concurrency,
    });
    worker.on("failed", (job, error) => {
      if (!job) return;
      const final = job.attemptsMade >= (job.opts.attempts ?? 1);
      this.options.logger?.[final ? "error" : "warn"](
        { queue, job_id: job.id, attempt: job.attemptsMade, err: error },
        final ? "job failed" : "job failed; retrying",
      );
      if (final) for (const listener of this.failureListeners) listener(this.toJob(queue, job), error);
    });
    worker.on("error", (error) => this.options.logger?.error({ queue, err: error }, "job worker error"));
    this.workers.set(queue, worker);
  }

  onFailed(listener: JobFailureListener): void {
    this.failureListeners.push(listener);
  }

  async drain(): Promise<void> {
    for (;;) {
      let outstanding = 0;
      for (const name of this.workers.keys()) {
        const counts = await this.queue(name).getJobCounts("waiting", "active", "delayed", "prioritized");
        outstanding += Object.values(counts).reduce((a, b) => a + b, 0);
      }
      if (outstanding === 0) return;
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    // Worker.close waits for the jobs it is running; waiting jobs stay in Redis for next time.
    await Promise.all([...this.workers.values()].map((w) => w.close()));
    await Promise.all([...this.queues.values()].map((q) => q.close()));
  }

  /** Removes every job of this prefix's queues (tests). */
  async obliterate(): Promise<void> {
    await Promise.all([...this.queues.values()].map((q) => q.obliterate({ force: true })));
  }

  private queue(name: string): Queue {
    let queue = this.queues.get(name);
    if (!queue) {
      queue = new Queue(name, { connection: this.connection, prefix: this.prefix });
      this.queues.set(name, queue);
    }
    return queue;
  }

  private toJob<T>(queue: string, job: BullJob): Job<T> {
    return {
      id: String(job.id),
      queue,
      data: job.data as T,
      // attemptsMade counts finished tries; the running one is the next.
      attempt: Math.min(job.attemptsMade + 1, job.opts.attempts ?? 1),
      maxAttempts: job.opts.attempts ?? 1,
    };
  }
}
