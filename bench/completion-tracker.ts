/** How one tracked unit of work (a task, a job chain) ended, and when we heard about it. */
export interface Completion {
  /** performance.now() when the completion was observed. */
  at: number;
  ok: boolean;
  detail: string;
}

/**
 * Matches completion signals (lifecycle events, job events) to the code waiting for them. A signal
 * may arrive before anyone waits - a fast task can finish while `createTask` is still returning -
 * so early completions are kept until asked for.
 */
export class CompletionTracker {
  private readonly early = new Map<string, Completion>();
  private readonly waiting = new Map<string, (c: Completion) => void>();

  record(id: string, ok: boolean, detail = "", at = performance.now()): void {
    const completion = { at, ok, detail };
    const resolve = this.waiting.get(id);
    if (resolve) {
      this.waiting.delete(id);
      resolve(completion);
    } else if (!this.early.has(id)) {
      this.early.set(id, completion);
    }
  }

  /** Resolves with the completion of `id`; rejects naming it when it does not come in time. */
  wait(id: string, timeoutMs: number): Promise<Completion> {
    const known = this.early.get(id);
    if (known) {
      this.early.delete(id);
      return Promise.resolve(known);
    }
    if (this.waiting.has(id)) return Promise.reject(new Error(`${id} is already being waited for`));
    return new Promise<Completion>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting.delete(id);
        reject(new Error(`${id} did not finish within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiting.set(id, (c) => {
        clearTimeout(timer);
        resolve(c);
      });
    });
  }

  /** Units still awaited: after a run this should be zero. */
  get pending(): number {
    return this.waiting.size;
  }
}
