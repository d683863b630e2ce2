import { MemoryFS, type PGlite, type types } from "@electric-sql/pglite";
import { NodeFS } from "@electric-sql/pglite/nodefs";
import {
  type BatchRows,
  type Database,
  requireCommitted,
  requireOpen,
  type Statement,
  type Transaction,
  type TransactionOptions,
} from "./database.js";
import { createPglite, type OpenPgliteOptions } from "./pglite-data-dir.js";
import {
  Answers,
  type CallOptions,
  type DecodedCall,
  decodeCall,
  decodeSimpleQuery,
  encodeCall,
  encodeSimpleQuery,
  type Notification,
  PreparedStatements,
  type ProtocolStatement,
  type RowShape,
} from "./pglite-protocol.js";
import { type EmbeddedVacuumOptions, startEmbeddedVacuum } from "./pglite-vacuum.js";

const instances = new WeakMap<Database, PGlite>();
const sessions = new WeakMap<Database, EmbeddedSession>();

/**
 * The engine's own path into its PGlite (named prepared statements, one call per statement or
 * transaction end), for an application's statements: see `embedded-sql-client.ts`.
 */
export interface EmbeddedSession {
  /**
   * One statement as its own transaction; its rows read as `reading` says (default: the engine's
   * way); on generic plans with `genericPlans` (see TransactionOptions.genericPlans).
   */
  run(statement: ProtocolStatement, reading?: Reading, genericPlans?: boolean): Promise<DecodedCall>;
  /** A transaction on the one session; nothing else runs until it ends. */
  transaction<T>(fn: (tx: ReadingTransaction) => Promise<T>, options?: TransactionOptions): Promise<T>;
}

/** The {@link EmbeddedSession} of an embedded engine database; undefined on PostgreSQL. */
export function embeddedSession(database: Database): EmbeddedSession | undefined {
  return sessions.get(database);
}

/**
 * The PGlite instance under an embedded engine database, for an application that keeps its own
 * tables in the same database (one instance, one data folder, one lock): use it only through
 * PGlite's own `query`/`transaction`/`exec` (they queue behind the engine's statements), never
 * close it (the engine does), and keep your tables out of the `tasker` schema. Undefined on
 * PostgreSQL.
 */
export function embeddedPglite(database: Database): PGlite | undefined {
  return instances.get(database);
}

export interface PgliteDatabaseOptions extends OpenPgliteOptions {
  /** The vacuuming an embedded database needs (see pglite-vacuum.ts); false: none (tests of it). */
  vacuum?: EmbeddedVacuumOptions | false;
}

/**
 * Embedded PostgreSQL (WASM) in this process: a data directory, or `memory://` for tests.
 * PGlite has a single connection, so it serialises queries and transactions itself.
 *
 * Statements do not go through `PGlite.query()`, which makes six calls into the backend per
 * statement and parses and plans it every time: every parameterised statement is a named prepared
 * statement (parsed once per database), and a statement, a batch, or a transaction's last statement
 * with its COMMIT is one call (see `pglite-protocol.ts`). The answers come back as raw bytes, read
 * here, so LISTEN and the dispatch of NOTIFYs are done here too (PGlite's `listen` hears only what
 * its own parser reads).
 */
export async function openPgliteDatabase(
  dataDir: string,
  options: PgliteDatabaseOptions = {},
): Promise<Database> {
  // A data folder is locked for this process until close (a second process gets an error naming
  // it); a new folder or memory database starts from a cached copy of a fresh cluster.
  const { pglite: db, lock } = await createPglite(dataDir, options);
  try {
    requireProtocolAccess(db);
  } catch (err) {
    await db.close();
    lock?.release();
    throw err;
  }
  // Every engine statement finds its rows by key, and a prepared statement keeps the plan it got
  // while the tables were small, where a sequential scan was the cheaper one: it would stay one as
  // the tables grow (see the same setting in the PostgreSQL driver). One session, set once.
  // Nor bitmap scans: each start or rescan of a Bitmap Heap Scan asks the table's size (lseek to
  // its end), which in PGlite is an fstat through Emscripten's file system, and the generic plans
  // of the step statements rescan edges and steps many times per task. The engine's statements read
  // a few rows by key, where a plain index scan is as good (bench/LOG.md, "PGlite per-call cost").
  await db.exec("SET enable_seqscan = off; SET enable_bitmapscan = off");
  // PGlite syncs its file system after each call that ends a transaction. A data directory (NODEFS
  // writes through to its files) and memory have nothing to sync, but the sync still waits for a
  // mutex and a few promise turns on every call: ask for it only where it does something.
  const fsSyncs = !(db.fs instanceof NodeFS || db.fs instanceof MemoryFS);
  // What this instance's backend has parsed: a reopened database is a new instance, with a new set.
  const prepared = new PreparedStatements();

  // The session's plan_cache_mode, set outside any transaction when a unit of work wants another
  // one (TransactionOptions.genericPlans): `SET LOCAL` cost a simple query in every transaction of
  // the hot path, and the hot path's transactions all want the same mode. Known once a call that
  // set it was answered without an error; unknown (set again) otherwise.
  let plans: Plans | undefined = "auto";

  const answers = new Answers();
  const listeners = new Map<string, Set<(payload: string) => void>>();
  const dispatch = (notifications: readonly Notification[]) => {
    for (const n of notifications) {
      // After the code that made the call has its answer, as PGlite does.
      for (const cb of listeners.get(n.channel) ?? []) queueMicrotask(() => cb(n.payload));
    }
  };

  /**
   * One call into the backend. The caller holds PGlite's transaction mutex (no `query()`, `exec()`
   * or transaction of PGlite's own runs meanwhile); the query mutex keeps every other caller of the
   * protocol (`runExclusive`, `close`) out while this call's messages are processed.
   */
  const call: Call = (statements, options, syncToFs, reading) =>
    db._runExclusiveQuery(async () => {
      const { starts, ...protocol } = options();
      const setsPlans = starts !== undefined && starts !== plans;
      const opts: CallOptions = setsPlans ? { ...protocol, session: [planModeSql(starts)] } : protocol;
      const encoded = encodeCall(statements, prepared, opts);
      if (setsPlans) plans = undefined;
      answers.reset();
      await db.execProtocolRawStream(encoded.message, {
        syncToFs: syncToFs && fsSyncs,
        onRawData: answers.append,
      });
      const decoded = decodeCall(
        encoded,
        statements,
        answers,
        prepared,
        reading?.parsers ?? db.parsers,
        opts,
        reading?.shape,
      );
      if (setsPlans && !decoded.error) plans = starts;
      dispatch(decoded.notifications);
      return decoded;
    });

  /** A simple query (a script, LISTEN) outside any transaction of the engine's. */
  const simple = (sql: string) =>
    db._runExclusiveTransaction(() =>
      db._runExclusiveQuery(async () => {
        answers.reset();
        await db.execProtocolRawStream(encodeSimpleQuery(sql), { syncToFs: true, onRawData: answers.append });
        const { error, notifications } = decodeSimpleQuery(answers);
        dispatch(notifications);
        if (error) throw error;
      }),
    );

  // A statement of its own, and a unit of work: the engine's and an application's (see
  // embedded-sql-client.ts), which reads its rows as it asks.
  const session: EmbeddedSession = {
    async run(statement, reading, genericPlans) {
      await db._checkReady();
      const starts: Plans = genericPlans ? "generic" : "auto";
      const result = await db._runExclusiveTransaction(() =>
        call([statement], () => ({ starts }), true, reading),
      );
      if (result.error) throw result.error;
      return result;
    },
    async transaction(fn, txOptions) {
      await db._checkReady();
      return db._runExclusiveTransaction(() => runTransaction(call, fn, txOptions));
    },
  };

  let closed = false;
  const database: Database = {
    kind: "pglite",
    async query<R>(sql: string, params?: readonly unknown[]) {
      return (await session.run({ sql, params })).rows[0] as R[];
    },
    transaction: (fn, txOptions) => session.transaction(fn, txOptions),
    async exec(sql) {
      await db._checkReady();
      await simple(sql);
    },
    async listen(channel, onNotify) {
      await db._checkReady();
      let set = listeners.get(channel);
      if (!set) {
        set = new Set();
        listeners.set(channel, set);
        try {
          await simple(`LISTEN ${quoteIdent(channel)}`);
        } catch (err) {
          listeners.delete(channel);
          throw err;
        }
      }
      const mine = (payload: string) => onNotify(payload);
      set.add(mine);
      return async () => {
        const current = listeners.get(channel);
        if (!current?.delete(mine) || current.size > 0) return;
        listeners.delete(channel);
        if (!closed) await simple(`UNLISTEN ${quoteIdent(channel)}`);
      };
    },
    async close() {
      if (closed) return;
      closed = true;
      try {
        // A data folder gets a last pass: the counts it decides on die with the process.
        await vacuum?.stop({ lastPass: !(db.fs instanceof MemoryFS) });
        await db.close();
      } finally {
        lock?.release();
      }
    },
  };
  const vacuum = options.vacuum === false ? undefined : startEmbeddedVacuum(database, options.vacuum);
  instances.set(database, db);
  sessions.set(database, session);
  return database;
}

/** The plan_cache_mode a unit of work runs with: forced generic plans, or PostgreSQL's choice. */
type Plans = "generic" | "auto";

/** The session-level setting of a plan mode (sent outside any transaction, so never rolled back). */
function planModeSql(plans: Plans): string {
  return plans === "generic" ? "SET plan_cache_mode = force_generic_plan" : "RESET plan_cache_mode";
}

/**
 * One call into the backend: `options` is asked when the call runs (after the calls queued before
 * it), with `starts` on the call that starts a unit of work (a transaction, or a statement of its
 * own), for the plan mode it runs with; `syncToFs` when a transaction ends or outside one, as
 * PGlite does after its own statements.
 */
type Call = (
  statements: readonly ProtocolStatement[],
  options: () => Omit<CallOptions, "session"> & { starts?: Plans },
  syncToFs: boolean,
  reading?: Reading,
) => Promise<ReturnType<typeof decodeCall>>;

/** A transaction that can also read a statement's rows as {@link Reading} says. */
export interface ReadingTransaction extends Transaction {
  read(statement: ProtocolStatement, reading: Reading): Promise<DecodedCall>;
}

/** How a call's rows are read, when not as the engine reads them (objects, PGlite's parsers). */
export interface Reading {
  shape: RowShape;
  /** Per type OID; a type without one here is parsed as PGlite parses it. */
  parsers?: Record<number | string, types.Parser>;
}

/**
 * A transaction on the one session, in as few calls as the PostgreSQL driver's round trips:
 * `BEGIN` goes with the first statement, a batch is one call, `queryAndCommit` sends the COMMIT
 * with its statement. A transaction that is one call (a batch with its commit) sends neither: its
 * statements are one transaction up to their Sync, committed there (two simple queries fewer a
 * call). Commits when `fn` resolves, rolls back when it throws.
 */
async function runTransaction<T>(
  call: Call,
  fn: (tx: ReadingTransaction) => Promise<T>,
  txOptions: TransactionOptions = {},
): Promise<T> {
  // synchronousCommit has no meaning here (one process: a crash loses what was not synced to the
  // file system either way).
  const plans: Plans = txOptions.genericPlans ? "generic" : "auto";
  let begun = false;
  let open = true;
  // The call ending the transaction (with its COMMIT, or committing at its Sync) was answered: one
  // that failed before a byte left (a value that cannot be written) leaves it to be rolled back.
  let ended = false;
  const send = async (statements: readonly ProtocolStatement[], commit = false, reading?: Reading) => {
    let whole = false;
    const result = await call(
      statements,
      () => {
        // Decided when the call runs, so that BEGIN goes with whichever statement runs first.
        if (begun) return commit ? { end: "COMMIT" } : {};
        begun = true;
        whole = commit;
        return commit ? { starts: plans } : { starts: plans, begin: true };
      },
      commit,
      reading,
    );
    if (commit) ended = true;
    if (result.error) throw result.error;
    // A whole transaction in one call committed at its Sync unless it failed (an error, thrown above).
    if (commit && !whole) requireCommitted(result.endTag);
    return result;
  };
  const tx: ReadingTransaction = {
    serial: true,
    async query<R>(sql: string, params?: readonly unknown[]) {
      requireOpen(open);
      return (await send([{ sql, params }])).rows[0] as R[];
    },
    async read(statement, reading) {
      requireOpen(open);
      return send([statement], false, reading);
    },
    async batch<const S extends readonly Statement<unknown>[]>(
      statements: S,
      options?: { commit?: boolean },
    ) {
      requireOpen(open);
      if (options?.commit) {
        // Over whatever happens: committed, or rolled back by the failure (the COMMIT ends it).
        open = false;
        if (statements.length === 0 && !begun) return [] as unknown as BatchRows<S>;
        return (await send(statements, true)).rows as BatchRows<S>;
      }
      if (statements.length === 0) return [] as unknown as BatchRows<S>;
      return (await send(statements)).rows as BatchRows<S>;
    },
    async queryAndCommit<R>(sql: string, params?: readonly unknown[]) {
      const [rows] = await tx.batch([{ sql, params: params ?? [] }], { commit: true });
      return rows as R[];
    },
    async exec(sql) {
      requireOpen(open);
      const result = await call(
        [],
        () => {
          if (begun) return { script: sql };
          begun = true;
          return { starts: plans, begin: true, script: sql };
        },
        false,
      );
      if (result.error) throw result.error;
    },
  };
  try {
    const result = await fn(tx);
    if (open) {
      open = false;
      if (begun) {
        const committed = await call([], () => ({ end: "COMMIT" }), true);
        ended = true;
        if (committed.error) throw committed.error;
        requireCommitted(committed.endTag);
      }
    }
    return result;
  } catch (err) {
    open = false;
    // Its own failure (a closed database) must not hide the error that made it necessary.
    if (begun && !ended) await call([], () => ({ end: "ROLLBACK" }), true).catch(() => undefined);
    throw err;
  }
}

/**
 * The driver talks to PGlite below `query()`, through methods PGlite uses itself (its locks and
 * `execProtocolStream`). Say so plainly if an upgrade moved them, instead of failing mid-query.
 */
function requireProtocolAccess(db: PGlite): void {
  const needed = ["_checkReady", "_runExclusiveQuery", "_runExclusiveTransaction", "execProtocolRawStream"];
  const missing = needed.filter((m) => typeof (db as unknown as Record<string, unknown>)[m] !== "function");
  if (missing.length > 0) {
    throw new Error(
      `this @electric-sql/pglite has no ${missing.join(", ")}, which tasker's embedded driver uses; install the 0.5 line that packages/tasker/package.json names (npm install @electric-sql/pglite@0.5)`,
    );
  }
}

function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}
