/** Anything that runs SQL: the database itself, or a transaction on it. */
export interface Queryable {
  /** Runs one parameterised statement (`$1`, `$2`, ...) and returns its rows. */
  query<R = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<R[]>;
}

/**
 * The one small interface both drivers implement (embedded PGlite and `pg` on a server).
 * Everything above the store is written against this and runs unchanged on both.
 */
export interface Database extends Queryable {
  readonly kind: "pglite" | "postgres";
  /** Runs `fn` in a transaction; commits when it resolves, rolls back when it throws. */
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
  /** Runs a multi-statement script (migrations). */
  exec(sql: string): Promise<void>;
  /** LISTEN on a channel; resolves to an unsubscribe function. Notifications arrive after commit. */
  listen(channel: string, onNotify: (payload: string) => void): Promise<() => Promise<void>>;
  /** Closes every connection (and stops listening). */
  close(): Promise<void>;
}
