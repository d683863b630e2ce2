// A connection that breaks while a transaction holds it (server restart, terminated backend) must
// fail that transaction, not crash the process with an unhandled 'error' event.
import { setTimeout as sleep } from "node:timers/promises";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { Database } from "../../src/store/database.js";
import { openPostgresDatabase } from "../../src/store/postgres-database.js";
import { OneSyncQuery } from "../../src/store/postgres-one-sync.js";
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

  it("rejects a transaction sent as one call whose connection dies while it runs, keeps nothing of it, and keeps working", async () => {
    const one = await openPostgresDatabase({ url: testDb.url, poolMax: 1 });
    const sent = vi.spyOn(OneSyncQuery.prototype, "run");
    try {
      await one.exec(
        "CREATE TABLE killed (id int PRIMARY KEY, n int NOT NULL); INSERT INTO killed VALUES (1, 0)",
      );
      const call = [
        { sql: "UPDATE killed SET n = n + $1 WHERE id = 1", params: [1] },
        { sql: "SELECT pg_backend_pid() AS pid, pg_sleep($1::float8)", params: [0] },
      ];
      // Run once, so that its statements are prepared and the next run goes as one call.
      await one.transaction((tx) => tx.batch(call, { commit: true }));
      const [{ pid }] = (await one.query<{ pid: number }>("SELECT pg_backend_pid() AS pid")) as [
        { pid: number },
      ];
      const calls = sent.mock.calls.length;
      const running = one
        .transaction((tx) => tx.batch([call[0]!, { ...call[1]!, params: [30] }], { commit: true }))
        .then(
          () => "committed",
          (err: Error) => err.message,
        );
      await sleep(300);
      await terminate(pid);
      expect(await running).not.toBe("committed");
      expect(sent.mock.calls.length).toBe(calls + 1);
      // The next callers get a working connection at once, and the killed call kept nothing.
      for (let i = 0; i < 4; i++) {
        expect(
          await one.transaction((tx) => tx.queryAndCommit("SELECT n FROM killed WHERE id = $1", [1])),
        ).toEqual([{ n: 1 }]);
      }
    } finally {
      sent.mockRestore();
      await one.close();
    }
  });
});
