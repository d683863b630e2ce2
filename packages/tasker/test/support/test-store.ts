import type { Database } from "../../src/store/database.js";
import { openPgliteDatabase } from "../../src/store/pglite-database.js";
import { openPostgresDatabase } from "../../src/store/postgres-database.js";
import { createTestDatabase, type TestBackend } from "../../src/testing/index.js";

export interface TestStore {
  db: Database;
  /** Closes the database, and drops it on PostgreSQL. */
  close(): Promise<void>;
}

/**
 * A database of `backend` for a store test, without migrations: a new PostgreSQL database named
 * after `name` (a pool of `poolMax`), or PGlite in memory.
 */
export async function openTestStore(backend: TestBackend, name: string, poolMax: number): Promise<TestStore> {
  if (backend === "pglite") {
    const db = await openPgliteDatabase("memory://");
    return { db, close: () => db.close() };
  }
  const testDb = await createTestDatabase(name);
  const db = await openPostgresDatabase({ url: testDb.url, poolMax });
  return {
    db,
    async close() {
      await db.close();
      await testDb.drop();
    },
  };
}
