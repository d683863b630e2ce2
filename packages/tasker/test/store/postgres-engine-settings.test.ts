// Every connection of the engine's PostgreSQL pool plans without sequential or bitmap scans and
// without JIT (store/postgres-database.ts says why).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "../../src/store/database.js";
import { openPostgresDatabase } from "../../src/store/postgres-database.js";
import { createTestDatabase, type TestDatabase, testBackends } from "../../src/testing/index.js";

const POOL = 3;
const SETTINGS =
  "SELECT pg_backend_pid() AS pid, current_setting('enable_seqscan') AS seqscan, " +
  "current_setting('enable_bitmapscan') AS bitmapscan, current_setting('jit') AS jit";
type Settings = { pid: number; seqscan: string; bitmapscan: string; jit: string };

describe.skipIf(!testBackends().includes("postgres"))("PostgreSQL engine connection settings", () => {
  let testDb: TestDatabase;
  let db: Database;
  beforeAll(async () => {
    testDb = await createTestDatabase("tasker_settings");
    db = await openPostgresDatabase({ url: testDb.url, poolMax: POOL });
  });
  afterAll(async () => {
    await db?.close();
    await testDb?.drop();
  });

  it("turns off sequential scans, bitmap scans and JIT on every connection", async () => {
    // The pool's every connection: POOL transactions held open at once.
    let arrived = 0;
    let allIn: () => void = () => undefined;
    const together = new Promise<void>((resolve) => {
      allIn = resolve;
    });
    const rows = await Promise.all(
      Array.from({ length: POOL }, () =>
        db.transaction(async (tx) => {
          const [row] = await tx.query<Settings>(SETTINGS);
          if (++arrived === POOL) allIn();
          await together;
          return row!;
        }),
      ),
    );
    expect(new Set(rows.map((r) => r.pid)).size).toBe(POOL);
    for (const row of rows) expect(row).toMatchObject({ seqscan: "off", bitmapscan: "off", jit: "off" });
  });
});
