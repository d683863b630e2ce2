import { afterAll, beforeAll } from "vitest";
import type { Database } from "../../src/store/database.js";
import { listMigrations, migrate } from "../../src/store/migrate.js";
import { openPgliteDatabase } from "../../src/store/pglite-database.js";
import { openPostgresDatabase } from "../../src/store/postgres-database.js";
import { createTestDatabase, type TestBackend } from "../../src/testing/index.js";

interface TestStore {
  db: Database;
  /** Closes the database, and drops it on PostgreSQL. */
  close(): Promise<void>;
}

/**
 * A database of `backend` for a store test, without migrations: a new PostgreSQL database named
 * after `name` (a pool of `poolMax`), or PGlite in memory.
 */
async function openTestStore(backend: TestBackend, name: string, poolMax: number): Promise<TestStore> {
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

/**
 * A suite's store: opened by `openTestStore` (then given to `prepare`) before the suite's tests
 * and closed after them. `db` is the open database, for the tests and for helpers they define.
 */
export function useTestStore(
  backend: TestBackend,
  name: string,
  poolMax: number,
  prepare?: (db: Database) => Promise<unknown>,
): { readonly db: Database } {
  let store: TestStore | undefined;
  beforeAll(async () => {
    store = await openTestStore(backend, name, poolMax);
    await prepare?.(store.db);
  }, 120_000);
  afterAll(async () => {
    await store?.close();
  });
  return {
    get db() {
      if (!store) throw new Error(`the test store ${name} is not open: use it inside a test or hook`);
      return store.db;
    },
  };
}

/**
 * Migrates `db` as a database of an older version had it: the migrations before `version`, or
 * (`through`) up to and including it. For tests of what one migration does to existing rows.
 */
export async function migrateTo(
  db: Database,
  version: number,
  { through }: { through: boolean },
): Promise<void> {
  const all = listMigrations();
  const at = all.findIndex((m) => m.version === version);
  if (at < 0) throw new Error(`no migration ${version}`);
  await migrate(db, all.slice(0, through ? at + 1 : at));
}

/**
 * Writes a task row with its required columns only (namespace `n`, name `t`): a row those columns
 * have had since the first migration, for a migration test's rows of an older schema.
 */
export async function insertBareTask(db: Database, taskUuid: string): Promise<void> {
  await db.query(
    `INSERT INTO tasker.tasks (task_uuid, namespace, name, version, correlation_id, request_hash)
     VALUES ($1, 'n', 't', '1.0.0', 'c', 'h')`,
    [taskUuid],
  );
}
