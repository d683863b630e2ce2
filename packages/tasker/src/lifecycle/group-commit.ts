/**
 * Group commit: writes start at once while fewer than `maxInFlight` are under way; what arrives
 * while they all are waits, and the next write takes everything waiting (up to `maxBatch`, at most
 * with `key`, at most one item per key) in one go. Alone, an item waits for nothing; under load, one
 * transaction's round trips and commit are shared by many items. Items of one key never share a
 * write (two writes under way at once may each hold one: the database's row locks order them).
 */
export interface GroupCommitOptions<T> {
  /** Writes under way at once (each holds a database connection). */
  maxInFlight: number;
  /** Items in one write. */
  maxBatch: number;
  /** Items with the same key never share a write. */
  key?: ((item: T) => string) | undefined;
  /**
   * A free write starts at the end of the current turn of the event loop (setImmediate), not at
   * once: the items submitted during the turn go together, e.g. those whose callers a finished
   * write has just answered and who submit again at once, instead of the first alone.
   */
  gatherTurn?: boolean;
}

/** Writes a batch: one result per item, in the batch's order, or that item's failure. */
export type WriteBatch<T, R> = (items: readonly T[]) => Promise<readonly PromiseSettledResult<R>[]>;

interface Waiting<T, R> {
  item: T;
  resolve: (result: R) => void;
  reject: (reason: unknown) => void;
}

export class GroupCommit<T, R> {
  private readonly waiting: Waiting<T, R>[] = [];
  private inFlight = 0;
  private startScheduled = false;

  constructor(
    private readonly write: WriteBatch<T, R>,
    private readonly opts: GroupCommitOptions<T>,
  ) {
    if (!(opts.maxInFlight >= 1) || !(opts.maxBatch >= 1)) {
      throw new Error(
        `group commit needs maxInFlight and maxBatch of at least 1 (got ${opts.maxInFlight}, ${opts.maxBatch})`,
      );
    }
  }

  /** Resolves with the item's result once its batch is written, or rejects with its failure. */
  submit(item: T): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.waiting.push({ item, resolve, reject });
      if (!this.opts.gatherTurn) this.start();
      else if (!this.startScheduled && this.inFlight < this.opts.maxInFlight) {
        this.startScheduled = true;
        setImmediate(() => {
          this.startScheduled = false;
          this.start();
        });
      }
    });
  }

  /** Items waiting for a write, and writes under way (for status and tests). */
  pending(): { waiting: number; inFlight: number } {
    return { waiting: this.waiting.length, inFlight: this.inFlight };
  }

  private start(): void {
    while (this.inFlight < this.opts.maxInFlight && this.waiting.length > 0) {
      const batch = this.take();
      this.inFlight++;
      void this.run(batch).finally(() => {
        this.inFlight--;
        this.start();
      });
    }
  }

  /** The oldest waiting items, one per key, up to maxBatch; the rest keep their places. */
  private take(): Waiting<T, R>[] {
    const key = this.opts.key;
    if (!key) return this.waiting.splice(0, this.opts.maxBatch);
    const batch: Waiting<T, R>[] = [];
    const keys = new Set<string>();
    for (let i = 0; i < this.waiting.length && batch.length < this.opts.maxBatch; ) {
      const w = this.waiting[i] as Waiting<T, R>;
      const k = key(w.item);
      if (keys.has(k)) {
        i++;
        continue;
      }
      keys.add(k);
      batch.push(w);
      this.waiting.splice(i, 1);
    }
    return batch;
  }

  private async run(batch: readonly Waiting<T, R>[]): Promise<void> {
    let settled: readonly PromiseSettledResult<R>[];
    try {
      settled = await this.write(batch.map((w) => w.item));
    } catch (err) {
      for (const w of batch) w.reject(err);
      return;
    }
    batch.forEach((w, i) => {
      const s = settled[i];
      if (!s)
        w.reject(new Error(`the batch write returned ${settled.length} results for ${batch.length} items`));
      else if (s.status === "fulfilled") w.resolve(s.value);
      else w.reject(s.reason);
    });
  }
}
