// The background job queue the app uses (emails, async order intake). Same shape as BullMQ's:
// named queues, add(name, data, options), process(name, concurrency, fn), retries with backoff.
// Implementations: in-memory (memory-queue.ts, default) and Redis (bullmq-queue.ts, JOBS_BACKEND=bullmq).

export interface Backoff {
  type: "fixed" | "exponential";
  /** Fixed: the delay; exponential: delay * 2^(attempt-1). */
  delayMs: number;
}

export interface JobOptions {
  /** Total tries including the first (default 1). */
  attempts?: number;
  backoff?: Backoff;
  /** Wait this long before the first try. */
  delayMs?: number;
  /** A job with the id of a job already waiting or running is not added twice. */
  jobId?: string;
}

export interface Job<T = unknown> {
  id: string;
  queue: string;
  data: T;
  /** 1 on the first try. */
  attempt: number;
  maxAttempts: number;
}

export type JobProcessor<T = unknown> = (job: Job<T>) => Promise<void>;

/** Called when a job failed its last attempt (so the owner can record the failure). */
export type JobFailureListener = (job: Job, error: Error) => void;

export interface JobQueue {
  readonly backend: "memory" | "bullmq";
  add<T>(queue: string, data: T, options?: JobOptions): Promise<{ id: string }>;
  /** Starts consuming `queue` with at most `concurrency` jobs at once. One processor per queue. */
  process<T>(queue: string, concurrency: number, fn: JobProcessor<T>): void;
  onFailed(listener: JobFailureListener): void;
  /** Resolves when nothing is waiting or running (tests, graceful shutdown). */
  drain(): Promise<void>;
  /** Stops taking new jobs, lets running and due jobs finish, then releases resources. */
  close(): Promise<void>;
}
