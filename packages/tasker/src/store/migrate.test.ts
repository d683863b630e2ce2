import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase, testBackends } from "../testing/test-database.js";
import type { Database } from "./database.js";
import { listMigrations, migrate, splitStatements } from "./migrate.js";
import { openPgliteDatabase } from "./pglite-database.js";
import { openPostgresDatabase } from "./postgres-database.js";

describe("splitStatements", () => {
  it("splits on semicolons that end a line", () => {
    expect(splitStatements("CREATE TABLE a (x int);\nCREATE TABLE b (y int);\n")).toEqual([
      "CREATE TABLE a (x int)",
      "CREATE TABLE b (y int)",
    ]);
  });

  it("keeps a multi-line statement whole", () => {
    const sql = "CREATE TABLE a (\n  x int,\n  y text\n);\nCREATE INDEX a_x ON a (x);";
    expect(splitStatements(sql)).toEqual([
      "CREATE TABLE a (\n  x int,\n  y text\n)",
      "CREATE INDEX a_x ON a (x)",
    ]);
  });

  it("does not split on a semicolon inside a line", () => {
    expect(splitStatements("INSERT INTO t VALUES ('a;b');\n")).toEqual(["INSERT INTO t VALUES ('a;b')"]);
  });

  it("tolerates trailing spaces, blank lines and CRLF line ends", () => {
    expect(splitStatements("SELECT 1;   \r\n\r\n\r\nSELECT 2;\r\n")).toEqual(["SELECT 1", "SELECT 2"]);
  });

  it("accepts a last statement without a semicolon", () => {
    expect(splitStatements("SELECT 1;\nSELECT 2")).toEqual(["SELECT 1", "SELECT 2"]);
  });

  it("drops comment lines and comment-only chunks", () => {
    const sql = [
      "-- header comment",
      "CREATE TABLE a (",
      "  -- the id",
      "  id int",
      ");",
      "   -- an indented comment ending in a semicolon;",
      "-- a trailing comment;",
    ].join("\n");
    expect(splitStatements(sql)).toEqual(["CREATE TABLE a (\n  id int\n)"]);
  });

  it("keeps a function body quoted with $$ whole, whatever its lines end with", () => {
    const sql = [
      "CREATE FUNCTION f() RETURNS int LANGUAGE plpgsql AS $$",
      "DECLARE n int;",
      "BEGIN",
      "  -- a comment that mentions $$;",
      "  n := 1;",
      "  RETURN n;",
      "END",
      "$$;",
      "SELECT f();",
    ].join("\n");
    expect(splitStatements(sql)).toEqual([
      "CREATE FUNCTION f() RETURNS int LANGUAGE plpgsql AS $$\nDECLARE n int;\nBEGIN\n  n := 1;\n  RETURN n;\nEND\n$$",
      "SELECT f()",
    ]);
    expect(
      splitStatements("CREATE FUNCTION g() RETURNS int LANGUAGE sql AS $$ SELECT 1 $$;\nSELECT 2;"),
    ).toEqual(["CREATE FUNCTION g() RETURNS int LANGUAGE sql AS $$ SELECT 1 $$", "SELECT 2"]);
  });

  it("returns nothing for empty or comment-only input", () => {
    expect(splitStatements("")).toEqual([]);
    expect(splitStatements("  \n-- nothing here;\n")).toEqual([]);
  });

  it("splits every shipped migration into non-empty statements without comment lines", () => {
    for (const m of listMigrations()) {
      const statements = splitStatements(m.sql);
      expect(statements.length, m.name).toBeGreaterThan(0);
      for (const s of statements) {
        expect(s.length, m.name).toBeGreaterThan(0);
        expect(s.endsWith(";"), `${m.name}: ${s.slice(-40)}`).toBe(false);
        for (const line of s.split("\n")) expect(line.trim().startsWith("--"), m.name).toBe(false);
      }
    }
  });
});

describe("listMigrations", () => {
  it("lists the shipped migrations in version order, numbered from 1 without gaps", () => {
    const migrations = listMigrations();
    expect(migrations.length).toBeGreaterThan(0);
    expect(migrations[0]).toMatchObject({ version: 1, name: "001_initial" });
    migrations.forEach((m, i) => {
      expect(m.version).toBe(i + 1);
      expect(m.name).toMatch(/^\d{3}_[a-z0-9_]+$/);
      expect(m.sql.length).toBeGreaterThan(0);
    });
  });
});

async function appliedVersions(db: Database): Promise<number[]> {
  const rows = await db.query<{ version: number }>(
    "SELECT version FROM tasker.schema_migrations ORDER BY version",
  );
  return rows.map((r) => r.version);
}

const ALL = listMigrations();

describe("migrate on PGlite", () => {
  let db: Database;
  beforeAll(async () => {
    db = await openPgliteDatabase("memory://");
  }, 120_000);
  afterAll(async () => {
    await db?.close();
  });

  it("applies every migration once, and nothing the second time", async () => {
    expect(await migrate(db)).toEqual({ applied: ALL.map((m) => m.name) });
    expect(await migrate(db)).toEqual({ applied: [] });
    expect(await appliedVersions(db)).toEqual(ALL.map((m) => m.version));
  }, 60_000);

  it("leaves the engine's tables in place", async () => {
    const tables = await db.query<{ table_name: string }>(
      "SELECT table_name FROM information_schema.tables WHERE table_schema = 'tasker' ORDER BY table_name",
    );
    const names = tables.map((t) => t.table_name);
    for (const t of ["schema_migrations", "task_templates", "tasks", "workflow_steps"])
      expect(names).toContain(t);
  });
});

describe.skipIf(!testBackends().includes("postgres"))("migrate on PostgreSQL", () => {
  let testDb: TestDatabase;
  const opened: Database[] = [];
  beforeAll(async () => {
    testDb = await createTestDatabase("tasker_migrate");
  }, 120_000);
  afterAll(async () => {
    for (const db of opened) await db.close();
    await testDb?.drop();
  }, 120_000);

  it("applies each migration exactly once when several processes migrate at the same time", async () => {
    // Separate pools stand in for separate processes starting together.
    const dbs = await Promise.all(
      Array.from({ length: 4 }, () => openPostgresDatabase({ url: testDb.url, poolMax: 2 })),
    );
    opened.push(...dbs);
    const results = await Promise.all(dbs.map((db) => migrate(db)));
    const applied = results.flatMap((r) => r.applied).sort();
    expect(applied).toEqual(ALL.map((m) => m.name).sort());
    expect(await appliedVersions(dbs[0]!)).toEqual(ALL.map((m) => m.version));
    expect(await migrate(dbs[1]!)).toEqual({ applied: [] });
  }, 120_000);
});
