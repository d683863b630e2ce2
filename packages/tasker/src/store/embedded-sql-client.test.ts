import type { PGlite } from "@electric-sql/pglite";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "./database.js";
import { affectedRows, type EmbeddedSqlClient, embeddedSqlClient } from "./embedded-sql-client.js";
import { embeddedPglite, openPgliteDatabase } from "./pglite-database.js";

describe("EmbeddedSqlClient", () => {
  let database: Database;
  let pglite: PGlite;
  let client: EmbeddedSqlClient;
  beforeAll(async () => {
    database = await openPgliteDatabase("memory://");
    pglite = embeddedPglite(database)!;
    client = embeddedSqlClient(database)!;
    await pglite.exec(`CREATE SCHEMA app;
      CREATE TABLE app.items (id serial PRIMARY KEY, sku text UNIQUE NOT NULL, stock int NOT NULL, added timestamptz NOT NULL DEFAULT now());
      INSERT INTO app.items (sku, stock) VALUES ('a', 5), ('b', 0)`);
  });
  afterAll(() => database.close());

  const byId = "SELECT id, sku, stock, added, sku AS code FROM app.items WHERE id = $1";

  it("answers as PGlite.query() does, as objects or arrays, with PGlite's parsers or the caller's", async () => {
    for (const options of [
      undefined,
      { rowMode: "array" as const },
      { parsers: { 1184: (v: string) => `at ${v}` } },
    ]) {
      const mine = await client.query(byId, [1], options);
      const theirs = await pglite.query(byId, [1], options);
      expect(mine.rows).toEqual(theirs.rows);
      expect(mine.fields).toEqual(theirs.fields.map(({ name, dataTypeID }) => ({ name, dataTypeID })));
    }
    expect((await client.query<unknown[]>(byId, [2], { rowMode: "array" })).rows[0]).toEqual([
      2,
      "b",
      0,
      expect.any(Date),
      "b",
    ]);
  });

  it("counts the rows a write touched", async () => {
    expect(
      (await client.query("UPDATE app.items SET stock = stock + $1 WHERE stock >= 0", [0])).affectedRows,
    ).toBe(2);
    expect((await client.query("SELECT * FROM app.items WHERE stock > $1", [0])).affectedRows).toBe(0);
    expect(affectedRows("INSERT 0 3")).toBe(3);
    expect(affectedRows("DELETE 1")).toBe(1);
    expect(affectedRows("CREATE TABLE")).toBe(0);
  });

  it("prepares a statement once and runs it again without parsing it", async () => {
    const sql = "SELECT stock FROM app.items WHERE sku = $1";
    const prepared = async () =>
      (
        await pglite.query<{ n: number }>(
          "SELECT count(*)::int AS n FROM pg_prepared_statements WHERE statement = $1",
          [sql],
        )
      ).rows[0]!.n;
    expect(await prepared()).toBe(0);
    await client.query(sql, ["a"]);
    await client.query(sql, ["b"]);
    expect(await prepared()).toBe(1);
  });

  it("commits a transaction, rolls it back when its function throws or calls rollback()", async () => {
    const stock = async () =>
      (await client.query<{ stock: number }>("SELECT stock FROM app.items WHERE sku = $1", ["a"])).rows[0]!
        .stock;
    const before = await stock();
    await client.transaction(async (tx) => {
      await tx.query("UPDATE app.items SET stock = stock - $1 WHERE sku = $2", [1, "a"]);
    });
    expect(await stock()).toBe(before - 1);

    await expect(
      client.transaction(async (tx) => {
        await tx.query("UPDATE app.items SET stock = stock - $1 WHERE sku = $2", [1, "a"]);
        await tx.query("INSERT INTO app.items (sku, stock) VALUES ($1, $2)", ["a", 1]);
      }),
    ).rejects.toMatchObject({ code: "23505" });
    expect(await stock()).toBe(before - 1);

    const kept = await client.transaction(async (tx) => {
      await tx.query("UPDATE app.items SET stock = stock - $1 WHERE sku = $2", [1, "a"]);
      await tx.rollback();
      await expect(tx.query("SELECT 1")).rejects.toThrow(/rolled back/);
      return "kept";
    });
    expect(kept).toBe("kept");
    expect(await stock()).toBe(before - 1);
  });

  it("reports a failing statement with the backend's error, and keeps working", async () => {
    await expect(client.query("SELECT * FROM app.missing WHERE id = $1", [1])).rejects.toMatchObject({
      code: "42P01",
      message: expect.stringContaining("app.missing"),
    });
    expect((await client.query("SELECT count(*)::int AS n FROM app.items")).rows).toEqual([{ n: 2 }]);
  });

  it("is one client per database and plan mode, whose bound on prepared statements is the database's", () => {
    expect(embeddedSqlClient(database)).toBe(client);
    const generic = embeddedSqlClient(database, { genericPlans: true });
    expect(generic).not.toBe(client);
    expect(embeddedSqlClient(database, { genericPlans: true })).toBe(generic);
  });

  it("runs its statements on generic plans when asked, where PostgreSQL would plan them on every run", async () => {
    const generic = embeddedSqlClient(database, { genericPlans: true })!;
    // A lookup by `= ANY($1)`: each custom plan is estimated cheaper than the generic one.
    const lookup = (tag: string) => `SELECT /* ${tag} */ sku FROM app.items WHERE sku = ANY($1)`;
    for (let i = 0; i < 8; i++) {
      expect((await client.query(lookup("auto"), [["a"]])).rows).toEqual([{ sku: "a" }]);
      expect((await generic.query(lookup("generic"), [["a"]])).rows).toEqual([{ sku: "a" }]);
      await generic.transaction(async (tx) => {
        expect((await tx.query(lookup("generic in a transaction"), [["b"]])).rows).toEqual([{ sku: "b" }]);
      });
    }
    const plans = async (tag: string) =>
      (
        await pglite.query<{ generic_plans: number; custom_plans: number }>(
          "SELECT generic_plans::int, custom_plans::int FROM pg_prepared_statements WHERE statement = $1",
          [lookup(tag)],
        )
      ).rows;
    expect(await plans("auto")).toEqual([{ generic_plans: 0, custom_plans: 8 }]);
    expect(await plans("generic")).toEqual([{ generic_plans: 8, custom_plans: 0 }]);
    expect(await plans("generic in a transaction")).toEqual([{ generic_plans: 8, custom_plans: 0 }]);
    // The mode is the client's, not whatever ran last: the auto client's statement, run again.
    await client.query(lookup("auto"), [["a"]]);
    expect(await plans("auto")).toEqual([{ generic_plans: 0, custom_plans: 9 }]);
  });

  it("is undefined for a database that is not embedded", () => {
    expect(embeddedSqlClient({ kind: "postgres" } as Database)).toBeUndefined();
  });
});
