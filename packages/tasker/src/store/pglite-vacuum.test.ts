import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { Database } from "./database.js";
import { openPgliteDatabase, type PgliteDatabaseOptions } from "./pglite-database.js";
import { startEmbeddedVacuum, type TableActivity, whatToVacuum } from "./pglite-vacuum.js";

const activity = (table: string, rows: number, dead: number, insertedSinceVacuum = 0): TableActivity => ({
  table,
  rows,
  dead,
  insertedSinceVacuum,
});
const tables = (...t: TableActivity[]) => whatToVacuum({ tables: t, oldestUnfrozenAge: 1000 });

describe("whatToVacuum (autovacuum's default thresholds)", () => {
  it("takes a table whose dead rows pass 50 + 20 % of its rows", () => {
    expect(tables(activity("a", 0, 50), activity("b", 0, 51))).toEqual(["b"]);
    expect(tables(activity("a", 1000, 250), activity("b", 1000, 251))).toEqual(["b"]);
  });

  it("takes a table only appended to once 1,000 + 20 % of its rows were inserted since its last vacuum", () => {
    expect(tables(activity("a", 10_000, 0, 3000), activity("b", 10_000, 0, 3001))).toEqual(["b"]);
  });

  it("vacuums the tables with the most dead rows first", () => {
    expect(tables(activity("a", 0, 100), activity("b", 0, 900), activity("c", 0, 10))).toEqual(["b", "a"]);
  });

  it("vacuums the whole database once a row is 200 million transactions old, whatever the counts", () => {
    const quiet = [activity("a", 10, 0)];
    expect(whatToVacuum({ tables: quiet, oldestUnfrozenAge: 200_000_000 })).toEqual([]);
    expect(whatToVacuum({ tables: quiet, oldestUnfrozenAge: 200_000_001 })).toBe("database");
  });
});

describe("an embedded database vacuums itself", () => {
  let db: Database | undefined;
  const folders: string[] = [];
  afterEach(async () => {
    await db?.close();
    db = undefined;
    for (const f of folders.splice(0)) rmSync(f, { recursive: true, force: true });
  });

  const open = (dataDir: string, vacuum: PgliteDatabaseOptions["vacuum"]) =>
    openPgliteDatabase(dataDir, { vacuum }).then((d) => {
      db = d;
      return d;
    });
  /** Inserts and deletes `rows` rows of `table` one at a time, as the outbox sees its messages. */
  const churn = async (d: Database, rows: number, table = "churn") => {
    for (let i = 0; i < rows; i++) {
      await d.query(`INSERT INTO ${table} (payload) VALUES ($1)`, ["x".repeat(200)]);
      await d.query(`DELETE FROM ${table} WHERE id = (SELECT min(id) FROM ${table})`);
    }
    // The counts a pass reads are flushed at most once a second: now.
    await d.query("SELECT pg_stat_force_next_flush()");
  };
  const create = (d: Database, table = "churn") =>
    d.exec(`CREATE TABLE ${table} (id bigserial PRIMARY KEY, payload text)`);
  const heapBytes = async (d: Database) =>
    Number((await d.query<{ n: string }>("SELECT pg_relation_size('churn') AS n"))[0]!.n);
  const stats = async (d: Database) =>
    (
      await d.query<{ dead: number; vacuumed: boolean }>(
        "SELECT n_dead_tup::int AS dead, last_vacuum IS NOT NULL AS vacuumed FROM pg_stat_user_tables WHERE relname = 'churn'",
      )
    )[0]!;

  it("reclaims a churned table's dead rows, so that its space is used again", async () => {
    const d = await open("memory://", false);
    await create(d);
    await churn(d, 1000);
    const grown = await heapBytes(d);
    const vacuum = startEmbeddedVacuum(d, { intervalMs: 60_000 });
    expect(await vacuum.runOnce()).toEqual(["public.churn"]);
    expect(await stats(d)).toEqual({ dead: 0, vacuumed: true });
    // The same churn again fits in the pages the first one left ...
    await churn(d, 1000);
    expect(await heapBytes(d)).toBeLessThanOrEqual(grown);
    await vacuum.stop();
  }, 30_000);

  it("without it, a churned table keeps every dead row and grows", async () => {
    const d = await open("memory://", false);
    await create(d);
    await churn(d, 1000);
    const grown = await heapBytes(d);
    // ... where without VACUUM it takes new ones.
    await churn(d, 1000);
    expect(await heapBytes(d)).toBeGreaterThan(grown * 1.5);
  }, 30_000);

  it("runs by itself every interval", async () => {
    const d = await open("memory://", { intervalMs: 50 });
    await create(d);
    await churn(d, 200);
    await expect.poll(async () => (await stats(d)).vacuumed, { timeout: 10_000, interval: 50 }).toBe(true);
  }, 30_000);

  it("runs a last pass when a data folder closes, since its counts are not kept across a restart", async () => {
    const folder = mkdtempSync(join(tmpdir(), "tasker-vacuum-"));
    folders.push(folder);
    const d = await open(folder, { intervalMs: 60_000 });
    await create(d);
    await churn(d, 200);
    await d.close();
    const reopened = await open(folder, false);
    // Vacuumed: its rows counted (a table never vacuumed counts -1), its empty pages cut off.
    const [row] = await reopened.query<{ rows: number }>(
      "SELECT reltuples AS rows FROM pg_class WHERE relname = 'churn'",
    );
    expect(row!.rows).toBe(0);
    expect(await heapBytes(reopened)).toBe(0);
  }, 60_000);

  it("joins a pass that is running, stops between tables, and goes on past a table that fails", async () => {
    const d = await open("memory://", false);
    for (const t of ["churn", "churn_two", "churn_three"]) await create(d, t);
    await churn(d, 300, "churn");
    await churn(d, 200, "churn_two");
    await churn(d, 100, "churn_three");
    const statements: string[] = [];
    let vacuum: ReturnType<typeof startEmbeddedVacuum> | undefined;
    let stopping: Promise<void> | undefined;
    const counted: Database = {
      ...d,
      exec: async (sql) => {
        statements.push(sql);
        // The first table is dropped before its turn: its VACUUM fails, the next one runs.
        if (sql === "VACUUM public.churn") throw new Error('relation "public.churn" does not exist');
        await d.exec(sql);
        stopping ??= vacuum!.stop();
      },
    };
    vacuum = startEmbeddedVacuum(counted, { intervalMs: 60_000 });
    const [a, b] = await Promise.all([vacuum.runOnce(), vacuum.runOnce()]);
    await stopping;
    expect(b).toBe(a);
    expect(a).toEqual(["public.churn_two"]);
    expect(statements).toEqual(["VACUUM public.churn", "VACUUM public.churn_two"]);
    expect(await vacuum.runOnce()).toEqual([]);
  }, 30_000);
});
