import type { Database } from "./database.js";
import {
  type EmbeddedSession,
  embeddedSession,
  type Reading,
  type ReadingTransaction,
} from "./pglite-database.js";
import type { DecodedCall } from "./pglite-protocol.js";

/** A statement's answer, as `PGlite.query()` gives it. */
export interface SqlResults<T = Record<string, unknown>> {
  rows: T[];
  fields: { name: string; dataTypeID: number }[];
  /** Rows an INSERT, UPDATE, DELETE or MERGE touched; 0 for anything else. */
  affectedRows: number;
}

/** The options of `PGlite.query()` this client honours. */
export interface SqlQueryOptions {
  rowMode?: "object" | "array";
  /** Per type OID, how a column's text becomes a value (over PGlite's defaults). */
  parsers?: Record<number, (value: string, typeId: number) => unknown>;
}

/** Statements in one transaction of {@link EmbeddedSqlClient.transaction}. */
export interface EmbeddedSqlTransaction {
  query<T = Record<string, unknown>>(
    sql: string,
    params?: unknown[],
    options?: SqlQueryOptions,
  ): Promise<SqlResults<T>>;
  /** Statements without parameters, sent whole (a migration file). */
  exec(sql: string): Promise<void>;
  /** Rolls the transaction back when `fn` returns (what it returns is kept); nothing more runs in it. */
  rollback(): Promise<void>;
  readonly closed: boolean;
}

/** How many distinct statement texts a database's clients prepare; the rest are parsed on every run. */
const MAX_PREPARED = 500;

export interface EmbeddedSqlClientOptions {
  /**
   * Run the statements on their generic plans, as the engine runs its own (PostgreSQL's
   * `plan_cache_mode = force_generic_plan`), instead of letting PostgreSQL choose. For statements
   * that find rows by key, as an app's mostly do: PostgreSQL otherwise plans some of them again on
   * every run (a lookup by `= ANY($1)` is estimated cheaper for the array it is given), and the one
   * session's plan mode is switched whenever an app's statement follows one of the engine's. Leave
   * it off for statements whose best plan depends on their parameters (optional filters).
   */
  genericPlans?: boolean;
}

/**
 * An application's statements on the embedded engine's database, through the engine's own path
 * into PGlite: each statement with parameters is prepared once (parsed and planned once, not on
 * every run) and a statement is one call into the backend, where `PGlite.query()` makes several and
 * parses every time. `query` and `transaction` take and return what PGlite's do, so an ORM made
 * for PGlite (Drizzle's `drizzle-orm/pglite`) runs on it unchanged. Statements queue with the
 * engine's, on the one session; keep the app's tables out of the `tasker` schema.
 */
export class EmbeddedSqlClient {
  private readonly genericPlans: boolean;

  constructor(
    private readonly session: EmbeddedSession,
    /** The texts prepared on this session, by every client of it. */
    private readonly prepared: Set<string>,
    options: EmbeddedSqlClientOptions = {},
  ) {
    this.genericPlans = options.genericPlans ?? false;
  }

  async query<T = Record<string, unknown>>(
    sql: string,
    params?: unknown[],
    options?: SqlQueryOptions,
  ): Promise<SqlResults<T>> {
    return results<T>(
      await this.session.run(this.statement(sql, params), this.reading(options), this.genericPlans),
    );
  }

  async transaction<T>(fn: (tx: EmbeddedSqlTransaction) => Promise<T>): Promise<T> {
    // After tx.rollback(), fn's result is kept and the runner is made to roll back by a throw.
    let kept: { value: T } | undefined;
    try {
      return await this.session.transaction(
        async (inner) => {
          const tx = new SqlTransaction(inner, this);
          const value = await fn(tx);
          if (!tx.closed) return value;
          kept = { value };
          throw ROLLED_BACK;
        },
        { genericPlans: this.genericPlans },
      );
    } catch (err) {
      if (err === ROLLED_BACK && kept) return kept.value;
      throw err;
    }
  }

  /** @internal The statement as sent: prepared while the client has prepared few texts. */
  statement(sql: string, params: unknown[] | undefined) {
    const prepare = this.prepared.has(sql) || (this.prepared.size < MAX_PREPARED && !!this.prepared.add(sql));
    return { sql, params, prepare };
  }

  /** @internal How rows are read for `options` (a column without a parser of its own: PGlite's). */
  reading(options: SqlQueryOptions | undefined): Reading {
    return {
      shape: options?.rowMode === "array" ? "arrays" : "objects",
      ...(options?.parsers && { parsers: options.parsers as Reading["parsers"] }),
    };
  }
}

const ROLLED_BACK = new Error("rolled back by tx.rollback()");

class SqlTransaction implements EmbeddedSqlTransaction {
  closed = false;

  constructor(
    private readonly inner: ReadingTransaction,
    private readonly client: EmbeddedSqlClient,
  ) {}

  async query<T = Record<string, unknown>>(sql: string, params?: unknown[], options?: SqlQueryOptions) {
    this.requireOpen();
    return results<T>(
      await this.inner.read(this.client.statement(sql, params), this.client.reading(options)),
    );
  }

  exec(sql: string): Promise<void> {
    this.requireOpen();
    return this.inner.exec(sql);
  }

  async rollback(): Promise<void> {
    this.closed = true;
  }

  private requireOpen(): void {
    if (this.closed)
      throw new Error("the transaction was rolled back (tx.rollback()): nothing more can run in it");
  }
}

function results<T>(decoded: DecodedCall): SqlResults<T> {
  return {
    rows: decoded.rows[0] as T[],
    fields: [...(decoded.fields[0] ?? [])],
    affectedRows: affectedRows(decoded.tags[0] ?? ""),
  };
}

/** The row count of a write's command tag: `INSERT 0 3`, `UPDATE 2`, `DELETE 1`, `MERGE 4`. */
export function affectedRows(tag: string): number {
  const [command, ...rest] = tag.split(" ");
  if (command === "INSERT" || command === "UPDATE" || command === "DELETE" || command === "MERGE") {
    return Number(rest.at(-1)) || 0;
  }
  return 0;
}

/** A database's clients, one per plan mode, and the texts they prepared (one bound per database). */
const clients = new WeakMap<
  EmbeddedSession,
  { prepared: Set<string>; auto?: EmbeddedSqlClient; generic?: EmbeddedSqlClient }
>();

/**
 * The SQL client for an application's tables in an embedded engine's database (see
 * {@link EmbeddedSqlClient}): one per database and plan mode, so the bound on prepared texts is
 * the database's. Undefined on PostgreSQL, where the app connects as usual.
 */
export function embeddedSqlClient(
  database: Database,
  options: EmbeddedSqlClientOptions = {},
): EmbeddedSqlClient | undefined {
  const session = embeddedSession(database);
  if (!session) return undefined;
  let ofSession = clients.get(session);
  if (!ofSession) {
    ofSession = { prepared: new Set() };
    clients.set(session, ofSession);
  }
  const mode = options.genericPlans ? "generic" : "auto";
  ofSession[mode] ??= new EmbeddedSqlClient(session, ofSession.prepared, options);
  return ofSession[mode];
}
