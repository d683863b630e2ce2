/**
 * A Map whose entries expire, holding at most `capacity` of them: when full, expired entries go
 * first, then the oldest. What the worker protocol's server remembers of claims it handed out and
 * answers it gave, until their worker reports again or the lease is long over.
 */
export class ExpiringMap<K, V> {
  private readonly entries = new Map<K, { value: V; expiresAt: number }>();

  constructor(
    private readonly capacity: number,
    private readonly now: () => number = Date.now,
  ) {}

  get size(): number {
    return this.entries.size;
  }

  set(key: K, value: V, ttlMs: number): void {
    const now = this.now();
    this.entries.delete(key);
    if (this.entries.size >= this.capacity) {
      // Oldest first (a Map keeps insertion order): drop what expired, then the oldest.
      for (const [k, entry] of this.entries) {
        if (entry.expiresAt > now && this.entries.size < this.capacity) break;
        this.entries.delete(k);
      }
    }
    this.entries.set(key, { value, expiresAt: now + ttlMs });
  }

  get(key: K): V | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt <= this.now()) {
      this.entries.delete(key);
      return undefined;
    }
    return entry.value;
  }

  /** The value, removed. */
  take(key: K): V | undefined {
    const value = this.get(key);
    this.entries.delete(key);
    return value;
  }
}
