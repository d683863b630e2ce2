/**
 * Long-polling claims waiting for their queues: a NOTIFY for one queue wakes only the claims that
 * read it, so idle workers of other namespaces do not each query the database on every signal.
 * A claim that was not waiting when its signal came reads again on its next turn anyway (it reads
 * before it waits), so nothing is remembered here.
 */
export class QueueWaiters {
  private readonly waiting = new Set<{ queues: readonly string[]; wake: () => void }>();

  /** Resolves when one of `queues` is signalled, `wakeAll` is called, or after `timeoutMs`. */
  wait(queues: readonly string[], timeoutMs: number): Promise<void> {
    return new Promise((resolve) => {
      const waiter = {
        queues,
        wake: () => {
          clearTimeout(timer);
          this.waiting.delete(waiter);
          resolve();
        },
      };
      const timer = setTimeout(waiter.wake, timeoutMs);
      this.waiting.add(waiter);
    });
  }

  wake(queue: string): void {
    for (const waiter of [...this.waiting]) if (waiter.queues.includes(queue)) waiter.wake();
  }

  wakeAll(): void {
    for (const waiter of [...this.waiting]) waiter.wake();
  }
}
