import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase, testBackends } from "../../src/testing/index.js";
import { runCli, runCliJson } from "./support/cli-process.js";

interface MigrateJson {
  database: string;
  applied: string[];
  migrations: string[];
}

describe.runIf(testBackends().includes("pglite"))(
  "tasker-ctl migrate on PGlite",
  { timeout: 240_000 },
  () => {
    let dir: string;
    beforeAll(() => {
      dir = mkdtempSync(join(tmpdir(), "tasker-ctl-migrate-"));
    });
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it("applies every migration to a new data directory, then reports it up to date", async () => {
      const dataDir = join(dir, "db");
      const first = await runCli(["migrate", "--data-dir", dataDir]);
      expect(first.code, first.stderr).toBe(0);
      expect(first.stdout).toMatch(/^applied 001_initial$/m);
      expect(first.stdout).toMatch(new RegExp(`PGlite ${dataDir}: applied \\d+ of \\d+ migrations`));

      const second = await runCliJson<MigrateJson>(["migrate", "--data-dir", dataDir]);
      expect(second.code).toBe(0);
      expect(second.json.applied).toEqual([]);
      expect(second.json.migrations).toContain("001_initial");
    });

    it("lets --data-dir win over a DATABASE_URL from the environment", async () => {
      const { code, json } = await runCliJson<MigrateJson>(["migrate", "--data-dir", join(dir, "env")], {
        env: { DATABASE_URL: "postgres://nobody@127.0.0.1:9/none" },
      });
      expect(code).toBe(0);
      expect(json.database).toBe(`PGlite ${join(dir, "env")}`);
    });

    it("exits 2 for --database-url with --data-dir, or a --database-url that is not postgres", async () => {
      const [both, notPostgres] = await Promise.all([
        runCli(["migrate", "--data-dir", dir, "--database-url", "postgres://x@127.0.0.1/db"]),
        runCli(["migrate", "--database-url", "mysql://x@127.0.0.1/db"]),
      ]);
      expect(both.code).toBe(2);
      expect(both.stderr).toContain("--database-url and --data-dir both name a database; pass only one");
      expect(notPostgres.code).toBe(2);
      expect(notPostgres.stderr).toContain("--database-url must be a postgres:// or postgresql:// URL");
    });
  },
);

describe.runIf(testBackends().includes("postgres"))(
  "tasker-ctl migrate on PostgreSQL",
  { timeout: 240_000 },
  () => {
    let db: TestDatabase;
    beforeAll(async () => {
      db = await createTestDatabase("tasker_cli_migrate");
    });
    afterAll(() => db?.drop());

    it("applies the migrations from DATABASE_URL once, hiding the password in its output", async () => {
      const first = await runCliJson<MigrateJson>(["migrate"], { env: { DATABASE_URL: db.url } });
      expect(first.code, first.stderr).toBe(0);
      expect(first.json.applied).toEqual(first.json.migrations);
      expect(first.json.database).toMatch(/^PostgreSQL postgres:\/\//);

      const second = await runCli(["migrate", "--database-url", db.url]);
      expect(second.code).toBe(0);
      expect(second.stdout).toMatch(/is up to date \(\d+ migrations\)/);

      const client = new pg.Client({ connectionString: db.url });
      await client.connect();
      try {
        const rows = await client.query("SELECT name FROM tasker.schema_migrations ORDER BY version");
        expect(rows.rows.map((r) => r.name)).toEqual(first.json.migrations);
      } finally {
        await client.end();
      }
    });

    it("exits 5 when the server cannot be reached", async () => {
      const { code, stderr } = await runCli([
        "migrate",
        "--database-url",
        "postgres://postgres:pw@127.0.0.1:9/none",
      ]);
      expect(code).toBe(5);
      expect(stderr).toContain(
        "cannot open the database (PostgreSQL postgres://postgres:***@127.0.0.1:9/none)",
      );
      expect(stderr).not.toContain(":pw@");
    });
  },
);
