import { mkdirSync } from "node:fs";
import { PGlite } from "@electric-sql/pglite";
import type { Database, Queryable } from "./database.js";

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
    transaction: (fn) => db.transaction((tx) => fn(wrap(tx))),
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
