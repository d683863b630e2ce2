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
 *
 * A migration file runs whole, as one simple query (as graphile-worker runs its own): any SQL
 * PostgreSQL takes in a script works, PL/pgSQL bodies over many lines included. `migrations`:
 * the package's own unless given (tests pass their own).
 */
export async function migrate(
  db: Database,
  migrations: readonly Migration[] = listMigrations(),
): Promise<{ applied: string[] }> {
  // Every start of every process migrates: when nothing is pending, one statement says so.
  if (await allApplied(db, migrations)) return { applied: [] };
  const applied: string[] = [];
  await db.transaction(async (tx) => {
    // Concurrent CREATE ... IF NOT EXISTS can still race in the catalog; the lock serialises it.
    await tx.query("SELECT pg_advisory_xact_lock($1)", [MIGRATION_LOCK_KEY]);
    await tx.query("CREATE SCHEMA IF NOT EXISTS tasker");
    await tx.query(`CREATE TABLE IF NOT EXISTS tasker.schema_migrations (
      version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`);
  });
  for (const migration of migrations) {
    await db.transaction(async (tx) => {
      await tx.query("SELECT pg_advisory_xact_lock($1)", [MIGRATION_LOCK_KEY]);
      const done = await tx.query("SELECT 1 FROM tasker.schema_migrations WHERE version = $1", [
        migration.version,
      ]);
      if (done.length > 0) return;
      await tx.exec(migration.sql).catch((err: Error) => {
        throw new Error(`migration ${migration.name} failed, nothing of it was applied: ${err.message}`, {
          cause: err,
        });
      });
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
 * Whether every given migration is recorded, in one statement and no transaction. An error (no
 * tasker schema yet) means no: the full path creates it.
 */
async function allApplied(db: Database, migrations: readonly Migration[]): Promise<boolean> {
  try {
    const [row] = await db.query<{ versions: number[] | null }>(
      "SELECT array_agg(version) AS versions FROM tasker.schema_migrations",
    );
    const done = new Set(row?.versions ?? []);
    return migrations.every((m) => done.has(m.version));
  } catch {
    return false;
  }
}
