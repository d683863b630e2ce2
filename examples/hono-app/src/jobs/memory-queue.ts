// An in-process job queue with the behaviour of a real one (named queues, concurrency, retries
// with backoff, delayed jobs, de-duplication by job id, graceful close). Jobs live in memory:
// a restart loses waiting jobs, which is why anything that must survive is also written to a
// table first (e.g. email_outbox) and the job only carries its id.
import { randomUUID } from "node:crypto";
import type { Logger } from "@tasker-ts/tasker";
import { backoffDelayMs } from "./backoff.js";
import type { Job, JobFailureListener, JobOptions, JobProcessor, JobQueue } from "./job-queue.js";

interface QueuedJob extends Job {
  options: JobOptions;
}

interface QueueState {
  processor: JobProcessor | undefined;
  concurrency: number;
  waiting: QueuedJob[];
  running: Set<string>;
  /** Jobs waiting for their delay or retry backoff, by id. */
  scheduled: Map<string, { job: QueuedJob; timer: NodeJS.Timeout }>;
}

export class MemoryJobQueue implements JobQueue {
  readonly backend = "memory" as const;
  private readonly queues = new Map<string, QueueState>();
  private readonly failureListeners: JobFailureListener[] = [];
  private idleWaiters: Array<() => void> = [];
  private closed = false;

  constructor(private readonly logger?: Logger) {}

  async add<T>(queue: string, data: T, options: JobOptions = {}): Promise<{ id: string }> {
    if (this.closed) throw new Error(`job queue is closed; cannot add a job to "${queue}"`);
    const state = this.state(queue);
    if (options.jobId && this.has(state, options.jobId)) return { id: options.jobId };
    const job: QueuedJob = {
      id: options.jobId ?? randomUUID(),
      queue,
      data,
      attempt: 1,
      maxAttempts: Math.max(1, options.attempts ?? 1),
      options,
    };
    if (options.delayMs && options.delayMs > 0) this.schedule(state, job, options.delayMs);
    else state.waiting.push(job);
    this.pump(state);
    return { id: job.id };
  }

  process<T>(queue: string, concurrency: number, fn: JobProcessor<T>): void {
    const state = this.state(queue);
    if (state.processor) throw new Error(`queue "${queue}" already has a processor`);
    if (!Number.isInteger(concurrency) || concurrency < 1) {
      throw new Error(`concurrency for queue "${queue}" must be a positive integer, got ${concurrency}`);
    }
    state.processor = fn as JobProcessor;
    state.concurrency = concurrency;
    this.pump(state);
  }

  onFailed(listener: JobFailureListener): void {
    this.failureListeners.push(listener);
  }

  drain(): Promise<void> {
    if (this.isIdle()) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  async close(): Promise<void> {
    this.closed = true;
    // Delayed work cannot be kept in memory across a shutdown; say so instead of losing it quietly.
    for (const state of this.queues.values()) {
      for (const { job, timer } of state.scheduled.values()) {
        clearTimeout(timer);
        this.logger?.warn(
          { queue: job.queue, job_id: job.id },
          "job queue closed with a delayed job; dropped",
        );
      }
      state.scheduled.clear();
      if (!state.processor) state.waiting.length = 0;
    }
    await this.drain();
  }

  private state(queue: string): QueueState {
    let state = this.queues.get(queue);
    if (!state) {
      state = { processor: undefined, concurrency: 1, waiting: [], running: new Set(), scheduled: new Map() };
      this.queues.set(queue, state);
    }
    return state;
  }

  private has(state: QueueState, id: string): boolean {
    return state.running.has(id) || state.scheduled.has(id) || state.waiting.some((j) => j.id === id);
  }

  private schedule(state: QueueState, job: QueuedJob, delayMs: number): void {
    const timer = setTimeout(() => {
      state.scheduled.delete(job.id);
      state.waiting.push(job);
      this.pump(state);
    }, delayMs);
    state.scheduled.set(job.id, { job, timer });
  }

  private pump(state: QueueState): void {
    const processor = state.processor;
    if (!processor) return;
    while (state.running.size < state.concurrency && state.waiting.length > 0) {
      const job = state.waiting.shift()!;
      state.running.add(job.id);
      void this.run(state, processor, job);
    }
    this.notifyIfIdle();
  }

  private async run(state: QueueState, processor: JobProcessor, job: QueuedJob): Promise<void> {
    try {
      // The job gets a snapshot, so a processor cannot change what the next try sees.
      await processor({
        id: job.id,
        queue: job.queue,
        data: job.data,
        attempt: job.attempt,
        maxAttempts: job.maxAttempts,
      });
    } catch (caught) {
      const error = caught instanceof Error ? caught : new Error(String(caught));
      if (job.attempt < job.maxAttempts && !this.closed) {
        const next = { ...job, attempt: job.attempt + 1 };
        const delay = backoffDelayMs(job.options.backoff, next.attempt);
        this.logger?.warn(
          { queue: job.queue, job_id: job.id, attempt: job.attempt, err: error },
          "job failed; retrying",
        );
        this.schedule(state, next, delay);
      } else {
        this.logger?.error(
          { queue: job.queue, job_id: job.id, attempt: job.attempt, err: error },
          "job failed",
        );
        for (const listener of this.failureListeners) listener(job, error);
      }
    } finally {
      state.running.delete(job.id);
      this.pump(state);
    }
  }

  private isIdle(): boolean {
    for (const state of this.queues.values()) {
      if (!state.processor) continue;
      if (state.running.size > 0 || state.waiting.length > 0 || state.scheduled.size > 0) return false;
    }
    return true;
  }

  private notifyIfIdle(): void {
    if (this.idleWaiters.length === 0 || !this.isIdle()) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const resolve of waiters) resolve();
  }
}
