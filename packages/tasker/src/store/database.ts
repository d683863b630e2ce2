/** One parameterised statement (`$1`, `$2`, ...); `R` is the type of its rows. */
export interface Statement<R = Record<string, unknown>> {
  sql: string;
  params: readonly unknown[];
  /** Type only: never set. Carries `R` so a batch's results are typed per statement. */
  readonly rowType?: R;
}

/** The rows of each statement of a batch, in order. */
export type BatchRows<S extends readonly Statement<unknown>[]> = {
  -readonly [K in keyof S]: S[K] extends Statement<infer R> ? R[] : never;
};

/** Anything that runs SQL: the database itself, or a transaction on it. */
export interface Queryable {
  /** Runs one parameterised statement (`$1`, `$2`, ...) and returns its rows. */
  query<R = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<R[]>;
}

/**
 * A transaction. On PostgreSQL every wait for an answer is a network round trip, and a step of a
 * workflow is a handful of statements, so the statements that do not need each other's answers
 * are sent together: `BEGIN` goes with the first statement, `batch` sends several, and
 * `queryAndCommit` sends the last one with the `COMMIT`.
 */
export interface Transaction extends Queryable {
  /**
   * Runs the statements one after another, sent at once (one round trip on PostgreSQL). Each is a
   * statement of its own: under READ COMMITTED it sees what was committed before *it* started, so
   * a read placed after a row lock sees every decision committed by the lock's previous holder.
   * The first error fails the batch (and the transaction).
   */
  batch<const S extends readonly Statement<unknown>[]>(statements: S): Promise<BatchRows<S>>;
  /**
   * Runs the transaction's last statement and commits in the same round trip. Nothing may run in
   * the transaction after it; if the statement fails, the transaction is rolled back.
   */
  queryAndCommit<R = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<R[]>;
}

/**
 * The one small interface both drivers implement (embedded PGlite and `pg` on a server).
 * Everything above the store is written against this and runs unchanged on both.
 */
export interface Database extends Queryable {
  readonly kind: "pglite" | "postgres";
  /** Runs `fn` in a transaction; commits when it resolves, rolls back when it throws. */
  transaction<T>(fn: (tx: Transaction) => Promise<T>): Promise<T>;
  /** Runs a multi-statement script (migrations). */
  exec(sql: string): Promise<void>;
  /** LISTEN on a channel; resolves to an unsubscribe function. Notifications arrive after commit. */
  listen(channel: string, onNotify: (payload: string) => void): Promise<() => Promise<void>>;
  /** Closes every connection (and stops listening). */
  close(): Promise<void>;
}

/** Runs one statement built by a `store/sql` function. */
export function run<R>(q: Queryable, statement: Statement<R>): Promise<R[]> {
  return q.query<R>(statement.sql, statement.params);
}
