import type { Database } from "../store/database.js";
import { notifyQueues } from "../store/sql/queue.js";

/**
 * Wakes the consumers of `queue` once the write that put messages on it has committed: for
 * writes on a PostgreSQL server, which keep NOTIFY out of their own transaction. A transaction
 * that NOTIFYs holds a lock of the whole server from its commit until its WAL record is on disk,
 * so every such transaction commits one after the other, each waiting for its own disk flush (no
 * group commit): creations were bounded by 1 / the flush time (bench/LOG.md, creation). The
 * wake-up goes in a transaction of its own that does not wait for the disk, and wake-ups asked for
 * while one is under way go together in the next. Lost (a failure, a crash), consumers still find
 * the message at their next poll.
 */
export function wakeQueueAfterCommit(db: Database, queue: string): void {
  let waker = wakers.get(db);
  if (!waker) {
    waker = new QueueWaker(db);
    wakers.set(db, waker);
  }
  waker.wake(queue);
}

const wakers = new WeakMap<Database, QueueWaker>();

class QueueWaker {
  private readonly queued = new Set<string>();
  private sending = false;

  constructor(private readonly db: Database) {}

  wake(queue: string): void {
    this.queued.add(queue);
    if (!this.sending) void this.send();
  }

  private async send(): Promise<void> {
    this.sending = true;
    try {
      while (this.queued.size > 0) {
        const queues = [...this.queued];
        this.queued.clear();
        // A failure (the database closing, a lost connection) only delays the consumers' next look.
        await notifyQueues(this.db, queues).catch(() => undefined);
      }
    } finally {
      this.sending = false;
    }
  }
}
