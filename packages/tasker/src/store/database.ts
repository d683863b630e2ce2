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
   * No other transaction can run while this one is open (PGlite: one session, whose transactions
   * the driver runs one after another). A row lock taken only to wait for other transactions'
   * decisions then has nothing to wait for, and every statement already sees every commit.
   */
  readonly serial: boolean;
  /**
   * Runs the statements one after another, sent at once (one round trip on PostgreSQL). Each is a
   * statement of its own: under READ COMMITTED it sees what was committed before *it* started, so
   * a read placed after a row lock sees every decision committed by the lock's previous holder.
   * The first error fails the batch (and the transaction). `commit`: these are the transaction's
   * last statements; the `COMMIT` goes with them (see `queryAndCommit`).
   */
  batch<const S extends readonly Statement<unknown>[]>(
    statements: S,
    options?: { commit?: boolean },
  ): Promise<BatchRows<S>>;
  /**
   * Runs the transaction's last statement and commits in the same round trip. Nothing may run in
   * the transaction after it; if the statement fails, the transaction is rolled back.
   */
  queryAndCommit<R = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<R[]>;
  /**
   * Runs a script in the transaction: statements without parameters, sent whole as one simple
   * query (a migration file). Their rows are dropped; the first error fails it and the transaction.
   */
  exec(sql: string): Promise<void>;
}

export interface TransactionOptions {
  /**
   * false: the commit returns before its WAL record reaches the disk (PostgreSQL's
   * `synchronous_commit = off` for this transaction; PGlite ignores it). Only for bookkeeping
   * whose loss in a database server crash the engine recovers from by itself, never for a
   * result or a decision: see {@link runUnflushed}. It is still atomic and visible at once.
   */
  synchronousCommit?: boolean;
  /**
   * true: the transaction's prepared statements run on their generic plans (PostgreSQL's
   * `plan_cache_mode = force_generic_plan`: `SET LOCAL` on a server, the session's setting on
   * PGlite, whose one session the driver sets for each transaction that wants another mode). For the
   * engine's hot path, whose statements find rows by key: on a big analysed database PostgreSQL
   * otherwise kept re-planning them on every run (bench/LOG.md). Queries with optional filters
   * (the API's lists) want custom plans, so this is per transaction.
   */
  genericPlans?: boolean;
}

/** What {@link TransactionOptions.genericPlans} sends with the transaction's BEGIN on a server. */
export const GENERIC_PLANS = "SET LOCAL plan_cache_mode = force_generic_plan";

/**
 * The one small interface both drivers implement (embedded PGlite and `pg` on a server).
 * Everything above the store is written against this and runs unchanged on both.
 */
export interface Database extends Queryable {
  readonly kind: "pglite" | "postgres";
  /** Runs `fn` in a transaction; commits when it resolves, rolls back when it throws. */
  transaction<T>(fn: (tx: Transaction) => Promise<T>, options?: TransactionOptions): Promise<T>;
  /** Runs a multi-statement script (migrations). */
  exec(sql: string): Promise<void>;
  /** LISTEN on a channel; resolves to an unsubscribe function. Notifications arrive after commit. */
  listen(channel: string, onNotify: (payload: string) => void): Promise<() => Promise<void>>;
  /** Closes every connection (and stops listening). */
  close(): Promise<void>;
}

/** Both drivers' guard: nothing may run in a transaction after the statements sent with its COMMIT. */
export function requireOpen(open: boolean): void {
  if (!open)
    throw new Error(
      "the transaction has already committed: queryAndCommit (or a batch with commit) must be its last call",
    );
}

/** Both drivers' check of a COMMIT's answer: the server answers `ROLLBACK` to it after a failure. */
export function requireCommitted(commandTag: string | null | undefined): void {
  if (commandTag !== "COMMIT") {
    throw new Error(
      "the transaction was rolled back instead of committed: a statement in it failed earlier (see the error logged before this one)",
    );
  }
}

/** Runs one statement built by a `store/sql` function. */
export function run<R>(q: Queryable, statement: Statement<R>): Promise<R[]> {
  return q.query<R>(statement.sql, statement.params);
}

/**
 * Runs one write that does not need to wait for the disk, in one round trip: a receive (its
 * visibility timeout) or a claim. Lost in a server crash, the message shows again and the claim
 * was never made, so the step is delivered and claimed again: the at-least-once the engine
 * promises anyway. A later synchronous commit on the server flushes it too (the WAL is one
 * sequence). Saves a disk flush on every task's first step.
 */
export function runUnflushed<R>(db: Database, statement: Statement<R>): Promise<R[]> {
  return db.transaction((tx) => tx.queryAndCommit<R>(statement.sql, statement.params), {
    synchronousCommit: false,
  });
}
