import { readdirSync, readFileSync } from "node:fs";
import type { Database } from "./database.js";

const MIGRATIONS_DIR = new URL("./migrations/", import.meta.url);
// Any constant works; it only has to be the same in every process of one deployment.
const MIGRATION_LOCK_KEY = 7_316_221_001;

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

/** The migrations shipped with the package, ordered by their NNN_ prefix. */
export function listMigrations(): Migration[] {
  return readdirSync(MIGRATIONS_DIR)
    .filter((f) => /^\d{3}_[a-z0-9_]+\.sql$/.test(f))
    .sort()
    .map((file) => ({
      version: Number(file.slice(0, 3)),
      name: file.replace(/\.sql$/, ""),
      sql: readFileSync(new URL(file, MIGRATIONS_DIR), "utf8"),
    }));
}

/**
 * Applies pending migrations, each in its own transaction, under an advisory lock so that many
 * processes starting at once on one server apply each migration exactly once. Idempotent.
 */
export async function migrate(db: Database): Promise<{ applied: string[] }> {
  const applied: string[] = [];
  await db.transaction(async (tx) => {
    // Concurrent CREATE ... IF NOT EXISTS can still race in the catalog; the lock serialises it.
    await tx.query("SELECT pg_advisory_xact_lock($1)", [MIGRATION_LOCK_KEY]);
    await tx.query("CREATE SCHEMA IF NOT EXISTS tasker");
    await tx.query(`CREATE TABLE IF NOT EXISTS tasker.schema_migrations (
      version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`);
  });
  for (const migration of listMigrations()) {
    await db.transaction(async (tx) => {
      await tx.query("SELECT pg_advisory_xact_lock($1)", [MIGRATION_LOCK_KEY]);
      const done = await tx.query("SELECT 1 FROM tasker.schema_migrations WHERE version = $1", [
        migration.version,
      ]);
      if (done.length > 0) return;
      // Statements run one by one: a prepared multi-statement query is not allowed.
      for (const statement of splitStatements(migration.sql)) await tx.query(statement);
      await tx.query("INSERT INTO tasker.schema_migrations (version, name) VALUES ($1, $2)", [
        migration.version,
        migration.name,
      ]);
      applied.push(migration.name);
    });
  }
  return { applied };
}

/**
 * Splits a migration on `;` at line ends, dropping comment lines and comment-only chunks. A
 * function body quoted with `$$` stays whole: a `;` that ends a line inside it ends no statement.
 */
export function splitStatements(sql: string): string[] {
  const chunks: string[] = [];
  let chunk: string[] = [];
  let inBody = false;
  for (const line of sql.split("\n")) {
    const comment = line.trim().startsWith("--");
    if (!comment && (line.split("$$").length - 1) % 2 === 1) inBody = !inBody;
    const ends = !inBody && /;\s*$/.test(line);
    chunk.push(ends ? line.replace(/;\s*$/, "") : line);
    if (ends) {
      chunks.push(chunk.join("\n"));
      chunk = [];
    }
  }
  chunks.push(chunk.join("\n"));
  return chunks
    .map((s) =>
      s
        .split("\n")
        .filter((line) => !line.trim().startsWith("--"))
        .join("\n")
        .trim(),
    )
    .filter((s) => s.length > 0);
}
