/**
 * Lets a polling loop sleep until either a wake-up (a NOTIFY for its queue) or a timeout,
 * whichever comes first. A wake-up that arrives while the loop is busy is remembered.
 */
export class Waker {
  private pending = false;
  // Every sleeper is woken: one's timeout must never swallow a wake-up meant for another.
  private readonly sleepers = new Set<() => void>();

  wake(): void {
    if (this.sleepers.size === 0) {
      this.pending = true;
      return;
    }
    const woken = [...this.sleepers];
    this.sleepers.clear();
    for (const wakeUp of woken) wakeUp();
  }

  wait(timeoutMs: number): Promise<void> {
    if (this.pending) {
      this.pending = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const wakeUp = () => {
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(() => {
        this.sleepers.delete(wakeUp);
        resolve();
      }, timeoutMs);
      this.sleepers.add(wakeUp);
    });
  }
}
