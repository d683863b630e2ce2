import { randomBytes } from "node:crypto";
import pg from "pg";

/** The server tests use: TASKER_TEST_PG_URL, else the local PostgreSQL as `scripts/services.sh` sets it up. */
export const TEST_PG_ADMIN_URL =
  process.env.TASKER_TEST_PG_URL ?? "postgres://postgres:postgres@127.0.0.1:5432/postgres";

/** A PostgreSQL database created for one test run. */
export interface TestDatabase {
  /** Connection string of the new database. */
  url: string;
  name: string;
  /** Drops the database (terminating leftover connections). Safe to call twice. */
  drop(): Promise<void>;
}

/**
 * Creates a uniquely named PostgreSQL database for one test run. Never assumes prior state;
 * always pair with `drop()` (e.g. in afterAll).
 */
export async function createTestDatabase(prefix = "tasker_test"): Promise<TestDatabase> {
  const name = `${prefix}_${Date.now().toString(36)}_${randomBytes(4).toString("hex")}`.toLowerCase();
  await withAdmin((c) => c.query(`CREATE DATABASE "${name}"`));
  const url = new URL(TEST_PG_ADMIN_URL);
  url.pathname = `/${name}`;
  let dropped = false;
  return {
    name,
    url: url.toString(),
    async drop() {
      if (dropped) return;
      dropped = true;
      await withAdmin((c) => c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`));
    },
  };
}

async function withAdmin<T>(fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: TEST_PG_ADMIN_URL });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** Backends the integration suites run on: TASKER_TEST_BACKENDS=pglite,postgres (default both). */
export type TestBackend = "pglite" | "postgres";
/** The backends to run integration suites on, from TASKER_TEST_BACKENDS (default both). */
export function testBackends(): TestBackend[] {
  const raw = process.env.TASKER_TEST_BACKENDS ?? "pglite,postgres";
  return raw
    .split(",")
    .map((s) => s.trim())
    .filter((s): s is TestBackend => s === "pglite" || s === "postgres");
}
