import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase, testBackends } from "../testing/test-database.js";
import type { Database } from "./database.js";
import { listMigrations, type Migration, migrate } from "./migrate.js";
import { openPgliteDatabase } from "./pglite-database.js";
import { openPostgresDatabase } from "./postgres-database.js";

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

  it("on a current database, sends one statement and no transaction", async () => {
    await migrate(db);
    const sent: string[] = [];
    const counting: Database = {
      ...db,
      query: (sql, params) => {
        sent.push(sql);
        return db.query(sql, params);
      },
      transaction: (fn, options) => {
        sent.push("BEGIN");
        return db.transaction(fn, options);
      },
    };
    expect(await migrate(counting)).toEqual({ applied: [] });
    expect(sent).toEqual(["SELECT array_agg(version) AS versions FROM tasker.schema_migrations"]);
    // A migration the database has not seen takes the full path.
    const next: Migration = { version: ALL.length + 1, name: "999_next", sql: "SELECT 1" };
    sent.length = 0;
    const pending = await migrate(counting, [...ALL, next]).catch((e: Error) => e);
    expect(sent).toContain("BEGIN");
    expect(pending).toEqual({ applied: ["999_next"] });
    await db.query("DELETE FROM tasker.schema_migrations WHERE version = $1", [next.version]);
  });

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

/**
 * Migrations of a scratch database: PL/pgSQL over many lines, with `;` ending lines inside its
 * body, a DO block, a `;` inside a string and comments everywhere. The splitter this replaced
 * needed each body on one line.
 */
const SCRIPTS: Migration[] = [
  {
    version: 1,
    name: "001_scratch",
    sql: `-- a comment that ends in a semicolon;
CREATE TABLE tasker.scratch (
  id int PRIMARY KEY, -- the key;
  note text NOT NULL DEFAULT 'a;b'
);
CREATE FUNCTION tasker.scratch_next() RETURNS int LANGUAGE plpgsql AS $body$
DECLARE
  n int;
BEGIN
  SELECT coalesce(max(id), 0) + 1 INTO n FROM tasker.scratch;
  INSERT INTO tasker.scratch (id) VALUES (n);
  RETURN n;
END
$body$;
DO $$
BEGIN
  PERFORM tasker.scratch_next();
  PERFORM tasker.scratch_next();
END
$$;`,
  },
  {
    version: 2,
    name: "002_scratch_more",
    sql: "SELECT tasker.scratch_next();\nSELECT tasker.scratch_next()",
  },
];

describe.each(testBackends())("migrate on %s: each file runs whole", (backend) => {
  let testDb: TestDatabase | undefined;
  let db: Database;
  beforeAll(async () => {
    if (backend === "pglite") {
      db = await openPgliteDatabase("memory://");
    } else {
      testDb = await createTestDatabase("tasker_migrate_scripts");
      db = await openPostgresDatabase({ url: testDb.url, poolMax: 2 });
    }
  }, 120_000);
  afterAll(async () => {
    await db?.close();
    await testDb?.drop();
  }, 120_000);

  it("applies PL/pgSQL over many lines, DO blocks and comments as written", async () => {
    expect(await migrate(db, SCRIPTS)).toEqual({ applied: ["001_scratch", "002_scratch_more"] });
    const rows = await db.query<{ id: number; note: string }>(
      "SELECT id, note FROM tasker.scratch ORDER BY id",
    );
    expect(rows).toEqual([1, 2, 3, 4].map((id) => ({ id, note: "a;b" })));
    expect(await migrate(db, SCRIPTS)).toEqual({ applied: [] });
  });

  it("applies nothing of a migration that fails, and names it", async () => {
    const failing: Migration = {
      version: 3,
      name: "003_fails_halfway",
      sql: "CREATE TABLE tasker.half (id int);\nINSERT INTO tasker.half VALUES (1);\nSELECT 1 / 0;",
    };
    await expect(migrate(db, [...SCRIPTS, failing])).rejects.toThrow(
      /migration 003_fails_halfway failed, nothing of it was applied: division by zero/,
    );
    expect(await appliedVersions(db)).toEqual([1, 2]);
    const half = await db.query("SELECT 1 FROM information_schema.tables WHERE table_name = 'half'");
    expect(half).toEqual([]);
    // The database is usable after the failure, and the next attempt applies the fixed file.
    expect(await migrate(db, [...SCRIPTS, { ...failing, sql: "CREATE TABLE tasker.half (id int)" }])).toEqual(
      {
        applied: ["003_fails_halfway"],
      },
    );
  });
});
