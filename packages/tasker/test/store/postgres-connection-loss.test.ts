// A connection that breaks while a transaction holds it (server restart, terminated backend) must
// fail that transaction, not crash the process with an unhandled 'error' event.
import { setTimeout as sleep } from "node:timers/promises";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "../../src/store/database.js";
import { openPostgresDatabase } from "../../src/store/postgres-database.js";
import {
  createTestDatabase,
  TEST_PG_ADMIN_URL,
  type TestDatabase,
  testBackends,
} from "../../src/testing/index.js";

describe.skipIf(!testBackends().includes("postgres"))("PostgreSQL connection lost mid-transaction", () => {
  let testDb: TestDatabase;
  let db: Database;
  beforeAll(async () => {
    testDb = await createTestDatabase("tasker_connloss");
    db = await openPostgresDatabase({ url: testDb.url, poolMax: 2 });
  });
  afterAll(async () => {
    await db?.close();
    await testDb?.drop();
  });

  async function terminate(pid: number): Promise<void> {
    const admin = new pg.Client({ connectionString: TEST_PG_ADMIN_URL });
    await admin.connect();
    await admin.query("SELECT pg_terminate_backend($1)", [pid]);
    await admin.end();
  }

  it("rejects the transaction whose connection died between queries, and keeps working", async () => {
    const outcome = await db
      .transaction(async (tx) => {
        const [row] = await tx.query<{ pid: number }>("SELECT pg_backend_pid() AS pid");
        await terminate(row!.pid);
        // No query is running while the server's termination notice arrives.
        await sleep(300);
        await tx.query("SELECT 1");
      })
      .then(
        () => "committed",
        (err: Error) => err.message,
      );
    expect(outcome).not.toBe("committed");
    // The broken client was thrown away, not handed to the next caller.
    for (let i = 0; i < 4; i++) {
      expect(await db.transaction((tx) => tx.query<{ one: number }>("SELECT 1 AS one"))).toEqual([
        { one: 1 },
      ]);
    }
  });
});
