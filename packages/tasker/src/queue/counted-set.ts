/**
 * A set that counts its members: a key added twice stays until it is deleted twice. For what is
 * "in flight" by id, where the same id can be in flight twice at once (a worker whose heartbeat
 * lapsed past its lease may take its own step over and run it again beside the first run): the
 * first run's end must not drop the second's entry.
 */
export class CountedSet<K> {
  private readonly counts = new Map<K, number>();
  private total = 0;

  add(key: K): void {
    this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
    this.total++;
  }

  /** Removes one of `key`'s entries (none left: nothing happens). */
  delete(key: K): void {
    const n = this.counts.get(key);
    if (n === undefined) return;
    if (n > 1) this.counts.set(key, n - 1);
    else this.counts.delete(key);
    this.total--;
  }

  /** Entries, a key added twice counting twice. */
  get size(): number {
    return this.total;
  }

  /** Each key once. */
  keys(): K[] {
    return [...this.counts.keys()];
  }
}
