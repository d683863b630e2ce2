import type { Database, Queryable, Statement } from "@tasker-ts/tasker";

export interface StatementStats {
  /** The statement's first words, whitespace collapsed: enough to find it in the engine. */
  sql: string;
  calls: number;
  totalMs: number;
}

/** One real call of a statement, kept so it can be EXPLAINed later with real parameters. */
export interface StatementSample {
  sql: string;
  params: readonly unknown[] | undefined;
}

/**
 * Counts and times every statement an engine sends, by wrapping its Database. Round trips per
 * task are the figure that bounds latency on a real server, so the benchmark reports them.
 * BEGIN and COMMIT are counted as statements; round trips are counted apart (a batch, or a
 * statement sent with BEGIN or COMMIT, shares one).
 */
export class SqlTrace {
  private readonly stats = new Map<string, StatementStats>();
  private readonly firstCalls = new Map<string, StatementSample>();
  /** Waits for an answer from the database: a statement, a batch, a COMMIT sent alone. */
  roundTrips = 0;

  wrap(db: Database): Database {
    const timed =
      (q: Queryable): Queryable["query"] =>
      async (sql, params) => {
        const start = performance.now();
        try {
          return await q.query(sql, params);
        } finally {
          this.add(sql, performance.now() - start, params);
          this.roundTrips++;
        }
      };
    return {
      kind: db.kind,
      query: timed(db),
      transaction: (fn, options) => {
        // BEGIN leaves with the transaction's first statement: counted, but not a round trip.
        this.add("BEGIN", 0);
        let committed = false;
        return db
          .transaction(
            (tx) =>
              fn({
                serial: tx.serial,
                query: timed(tx),
                batch: async <const S extends readonly Statement<unknown>[]>(
                  statements: S,
                  batchOptions?: { commit?: boolean },
                ) => {
                  if (batchOptions?.commit) committed = true;
                  const start = performance.now();
                  try {
                    return await tx.batch(statements, batchOptions);
                  } finally {
                    const ms = (performance.now() - start) / statements.length;
                    for (const s of statements) this.add(s.sql, ms, s.params);
                    if (batchOptions?.commit) this.add("COMMIT", 0);
                    this.roundTrips++;
                  }
                },
                exec: async (sql) => {
                  const start = performance.now();
                  try {
                    await tx.exec(sql);
                  } finally {
                    this.add(sql, performance.now() - start);
                    this.roundTrips++;
                  }
                },
                queryAndCommit: async (sql, params) => {
                  committed = true;
                  const start = performance.now();
                  try {
                    return await tx.queryAndCommit(sql, params);
                  } finally {
                    this.add(sql, performance.now() - start, params);
                    this.add("COMMIT", 0);
                    this.roundTrips++;
                  }
                },
              }),
            options,
          )
          .finally(() => {
            if (committed) return;
            this.add("COMMIT", 0);
            this.roundTrips++;
          });
      },
      exec: (sql) => db.exec(sql),
      listen: (channel, onNotify) => db.listen(channel, onNotify),
      close: () => db.close(),
    };
  }

  add(sql: string, ms: number, params?: readonly unknown[]): void {
    const key = statementKey(sql);
    if (!this.firstCalls.has(key)) this.firstCalls.set(key, { sql, params });
    const s = this.stats.get(key) ?? { sql: key, calls: 0, totalMs: 0 };
    s.calls++;
    s.totalMs += ms;
    this.stats.set(key, s);
  }

  reset(): void {
    this.roundTrips = 0;
    this.stats.clear();
    this.firstCalls.clear();
  }

  /** The first call of each statement since the last reset, by statement key. */
  samples(): ReadonlyMap<string, StatementSample> {
    return this.firstCalls;
  }

  totalCalls(): number {
    let n = 0;
    for (const s of this.stats.values()) n += s.calls;
    return n;
  }

  /** The statements that took the most time, most first. */
  top(n = 10): StatementStats[] {
    return [...this.stats.values()].sort((a, b) => b.totalMs - a.totalMs).slice(0, n);
  }
}

export function statementKey(sql: string, length = 90): string {
  // Cached: the trace runs on every statement of the engine it measures, and must not cost it.
  let keys = statementKeys.get(length);
  if (!keys) {
    keys = new Map();
    statementKeys.set(length, keys);
  }
  let key = keys.get(sql);
  if (key === undefined) {
    const flat = sql.replace(/\s+/g, " ").trim();
    key = flat.length > length ? `${flat.slice(0, length)}…` : flat;
    keys.set(sql, key);
  }
  return key;
}
const statementKeys = new Map<number, Map<string, string>>();
