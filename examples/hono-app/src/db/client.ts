// Opens the app's database: real PostgreSQL (node-postgres) for a postgres:// URL, else embedded
// PGlite in a data directory (or in memory). Migrations from drizzle/ are applied on open.
import { mkdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { PGlite } from "@electric-sql/pglite";
import type { EmbeddedSqlClient } from "@tasker-ts/tasker";
import type { PgDatabase, PgQueryResultHKT } from "drizzle-orm/pg-core";
import { drizzle as drizzlePglite } from "drizzle-orm/pglite";
import { migrate as migratePglite } from "drizzle-orm/pglite/migrator";
import * as schema from "./schema.js";

/** The Drizzle database handlers and routes use; the same API on both drivers. */
export type AppDb = PgDatabase<PgQueryResultHKT, typeof schema>;

export interface AppDatabase {
  db: AppDb;
  driver: "postgres" | "pglite";
  /** Where it lives, without credentials (for logs). */
  location: string;
  close(): Promise<void>;
}

export interface OpenAppDatabaseOptions {
  /** postgres://... for a server; "memory://" for an in-memory PGlite. Default: APP_DATABASE_URL. */
  url?: string;
  /** PGlite data directory. Default `${TASKER_DATA_DIR ?? ".data"}/app`. */
  dataDir?: string;
  /**
   * The embedded engine's database to keep the app's tables in (schema `app`), through its SQL
   * client (`embeddedSqlClient(tasker.database)`), so one process opens one database. The client
   * prepares each statement once, where PGlite's own `query()` parses and plans it on every run.
   * Not closed by close().
   */
  embedded?: EmbeddedSqlClient;
  /**
   * Connections to a PostgreSQL server (default 10). The routes and the step handlers share them:
   * size it for the handlers that run at once plus the routes' share, or a route waits for a
   * connection while the handlers hold them all.
   */
  poolSize?: number;
}

const MIGRATIONS_FOLDER = resolve(fileURLToPath(new URL("../../drizzle", import.meta.url)));
/** Serializes migrations when several app processes start at once on one server. */
const MIGRATION_LOCK_KEY = 7_300_414;

export async function openAppDatabase(options: OpenAppDatabaseOptions = {}): Promise<AppDatabase> {
  if (options.embedded)
    return onPglite(options.embedded, "the engine's PGlite database", async () => undefined);
  const url = options.url ?? process.env.APP_DATABASE_URL;
  if (url && /^postgres(ql)?:\/\//.test(url)) return openPostgres(url, options.poolSize ?? 10);
  if (url && url !== "memory://") {
    throw new Error(
      `app database url "${url.replace(/\/\/[^@]*@/, "//***@")}" is not supported: use postgres://... or memory://, or leave APP_DATABASE_URL unset for embedded PGlite`,
    );
  }
  return openPglite(url === "memory://" ? undefined : (options.dataDir ?? defaultDataDir()));
}

export function defaultDataDir(): string {
  return resolve(process.env.TASKER_DATA_DIR ?? ".data", "app");
}

async function openPostgres(url: string, poolSize: number): Promise<AppDatabase> {
  // Loaded only for a server: the embedded start does not pay for them.
  const [{ drizzle: drizzleNodePg }, { migrate: migrateNodePg }, { default: pg }] = await Promise.all([
    import("drizzle-orm/node-postgres"),
    import("drizzle-orm/node-postgres/migrator"),
    import("pg"),
  ]);
  const pool = new pg.Pool({ connectionString: url, max: poolSize });
  // A session the server ends (restart, pg_terminate_backend, DROP DATABASE ... FORCE) emits
  // 'error' on its client; unheard, that crashes the process. The pool replaces the client, and a
  // query that was running gets the error itself.
  pool.on("error", () => undefined);
  pool.on("connect", (client) => client.on("error", () => undefined));
  const db = drizzleNodePg(pool, { schema });
  const lock = await pool.connect();
  try {
    await lock.query("SELECT pg_advisory_lock($1)", [MIGRATION_LOCK_KEY]);
    await migrateNodePg(db, { migrationsFolder: MIGRATIONS_FOLDER });
  } catch (error) {
    lock.release();
    await pool.end();
    throw new Error(`could not migrate the app database: ${(error as Error).message}`, { cause: error });
  }
  await lock.query("SELECT pg_advisory_unlock($1)", [MIGRATION_LOCK_KEY]);
  lock.release();
  return {
    db: db as unknown as AppDb,
    driver: "postgres",
    location: redact(url),
    close: () => pool.end(),
  };
}

async function openPglite(dataDir: string | undefined): Promise<AppDatabase> {
  if (dataDir) mkdirSync(dataDir, { recursive: true });
  const client = dataDir ? new PGlite(dataDir) : new PGlite();
  return onPglite(client, dataDir ? join(dataDir) : "memory://", () => client.close());
}

/** Drizzle on a PGlite instance, migrated; `close` is what closing the app database does. */
async function onPglite(
  client: PGlite | EmbeddedSqlClient,
  location: string,
  close: () => Promise<void>,
): Promise<AppDatabase> {
  // The engine's client answers `query` and `transaction` as PGlite does, the two Drizzle calls.
  const db = drizzlePglite(client as PGlite, { schema });
  try {
    await migratePglite(db, { migrationsFolder: MIGRATIONS_FOLDER });
  } catch (error) {
    await close();
    throw new Error(
      `could not migrate the app database in ${location}: ${(error as Error).message}` +
        (location.startsWith("memory") ? "" : " (delete the data folder to start over)"),
      { cause: error },
    );
  }
  return { db: db as unknown as AppDb, driver: "pglite", location, close };
}

function redact(url: string): string {
  return url.replace(/\/\/([^:@/]*)(:[^@]*)?@/, "//$1@");
}
