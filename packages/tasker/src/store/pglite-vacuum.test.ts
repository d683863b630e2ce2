import { afterEach, describe, expect, it } from "vitest";
import type { Database } from "./database.js";
import { openPgliteDatabase } from "./pglite-database.js";
import { startEmbeddedVacuum, type TableActivity, tablesToVacuum } from "./pglite-vacuum.js";

const activity = (table: string, live: number, dead: number, insertedSinceVacuum = 0): TableActivity => ({
  table,
  live,
  dead,
  insertedSinceVacuum,
});

describe("tablesToVacuum (autovacuum's default thresholds)", () => {
  it("takes a table whose dead rows pass 50 + 20 % of its live rows", () => {
    expect(tablesToVacuum([activity("a", 0, 50), activity("b", 0, 51)])).toEqual(["b"]);
    expect(tablesToVacuum([activity("a", 1000, 250), activity("b", 1000, 251)])).toEqual(["b"]);
  });

  it("takes a table only appended to once 1,000 + 20 % of its rows were inserted since its last vacuum", () => {
    expect(tablesToVacuum([activity("a", 10_000, 0, 3000), activity("b", 10_000, 0, 3001)])).toEqual(["b"]);
  });

  it("vacuums the tables with the most dead rows first", () => {
    expect(tablesToVacuum([activity("a", 0, 100), activity("b", 0, 900), activity("c", 0, 10)])).toEqual([
      "b",
      "a",
    ]);
  });
});

describe("an embedded database vacuums itself", () => {
  let db: Database | undefined;
  afterEach(async () => {
    await db?.close();
    db = undefined;
  });

  /** Inserts and deletes `rows` rows one at a time, as the outbox sees its messages. */
  const churn = async (d: Database, rows: number) => {
    for (let i = 0; i < rows; i++) {
      await d.query("INSERT INTO churn (payload) VALUES ($1)", ["x".repeat(200)]);
      await d.query("DELETE FROM churn WHERE id = (SELECT min(id) FROM churn)");
    }
  };
  const heapBytes = async (d: Database) =>
    Number((await d.query<{ n: string }>("SELECT pg_relation_size('churn') AS n"))[0]!.n);

  it("reclaims a churned table's dead rows, so that its space is used again", async () => {
    db = await openPgliteDatabase("memory://", { vacuum: { intervalMs: 50 } });
    await db.exec("CREATE TABLE churn (id bigserial PRIMARY KEY, payload text)");
    await churn(db, 1000);
    const grown = await heapBytes(db);
    const stats = async () =>
      (
        await db!.query<{ dead: number; vacuumed: boolean }>(
          "SELECT n_dead_tup::int AS dead, last_vacuum IS NOT NULL AS vacuumed FROM pg_stat_user_tables WHERE relname = 'churn'",
        )
      )[0]!;
    await expect.poll(stats, { timeout: 10_000, interval: 50 }).toEqual({ dead: 0, vacuumed: true });
    // The same churn again fits in the pages the first one left: without VACUUM it doubles them.
    await churn(db, 1000);
    expect(await heapBytes(db)).toBeLessThanOrEqual(grown);
  }, 30_000);

  it("leaves a database alone when told to, and its tables keep every dead row", async () => {
    db = await openPgliteDatabase("memory://", { vacuum: false });
    await db.exec("CREATE TABLE churn (id bigserial PRIMARY KEY, payload text)");
    await churn(db, 1000);
    const grown = await heapBytes(db);
    await churn(db, 1000);
    expect(await heapBytes(db)).toBeGreaterThan(grown * 1.5);
  }, 30_000);

  it("stops between tables, and a pass that is due runs once however often it is asked for", async () => {
    db = await openPgliteDatabase("memory://", { vacuum: false });
    await db.exec("CREATE TABLE churn (id bigserial PRIMARY KEY, payload text)");
    await churn(db, 200);
    // The counts a pass reads are flushed at most once a second: now.
    await db.query("SELECT pg_stat_force_next_flush()");
    const statements: string[] = [];
    const counted: Database = {
      ...db,
      exec: async (sql) => {
        statements.push(sql);
        await db!.exec(sql);
      },
    };
    const vacuum = startEmbeddedVacuum(counted, { intervalMs: 60_000 });
    const [a, b] = await Promise.all([vacuum.runOnce(), vacuum.runOnce()]);
    expect(a).toEqual(["public.churn"]);
    expect(b).toBe(a);
    expect(statements).toEqual(["VACUUM public.churn"]);
    await vacuum.stop();
    expect(await vacuum.runOnce()).toEqual([]);
  }, 30_000);
});
