import { mkdirSync } from "node:fs";
import { PGlite } from "@electric-sql/pglite";
import type { BatchRows, Database, Queryable, Statement, Transaction } from "./database.js";

/**
 * Embedded PostgreSQL (WASM) in this process: a data directory, or `memory://` for tests.
 * PGlite has a single connection, so it serialises queries and transactions itself.
 */
export async function openPgliteDatabase(dataDir: string): Promise<Database> {
  if (!dataDir.startsWith("memory://")) mkdirSync(dataDir, { recursive: true });
  const db = await PGlite.create(dataDir);
  const wrap = (q: Pick<PGlite, "query">): Queryable => ({
    async query<R>(sql: string, params?: readonly unknown[]) {
      const result = await q.query<R>(sql, params as unknown[] | undefined);
      return result.rows;
    },
  });
  const base = wrap(db);
  let closed = false;
  return {
    kind: "pglite",
    query: base.query,
    transaction: (fn) => db.transaction((tx) => fn(transactionOn(wrap(tx)))),
    exec: async (sql) => {
      await db.exec(sql);
    },
    async listen(channel, onNotify) {
      const unsubscribe = await db.listen(channel, onNotify);
      return async () => {
        if (!closed) await unsubscribe();
      };
    },
    async close() {
      if (closed) return;
      closed = true;
      await db.close();
    },
  };
}

/**
 * PGlite runs in this process, so there is no round trip to save: a batch runs its statements in
 * turn, and the commit follows the last statement when the transaction's function returns.
 */
function transactionOn(q: Queryable): Transaction {
  let open = true;
  const ensureOpen = () => {
    if (!open)
      throw new Error("the transaction has already committed: queryAndCommit must be its last statement");
  };
  return {
    async query(sql, params) {
      ensureOpen();
      return q.query(sql, params);
    },
    async batch<const S extends readonly Statement<unknown>[]>(statements: S) {
      ensureOpen();
      const rows: unknown[][] = [];
      for (const s of statements) rows.push(await q.query(s.sql, s.params));
      return rows as BatchRows<S>;
    },
    async queryAndCommit(sql, params) {
      ensureOpen();
      open = false;
      return q.query(sql, params);
    },
  };
}
