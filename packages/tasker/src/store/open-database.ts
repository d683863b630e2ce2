import { join } from "node:path";
import type { Logger } from "../observability/logger.js";
import type { Database } from "./database.js";
import { openPgliteDatabase } from "./pglite-database.js";
import { openPostgresDatabase } from "./postgres-database.js";

export interface DatabaseLocation {
  /** postgres:// or postgresql:// = a server; anything else is ignored in favour of dataDir. */
  databaseUrl?: string | undefined;
  /** PGlite data directory, or `memory://`. Default `${TASKER_DATA_DIR ?? ".data"}/tasker`. */
  dataDir?: string | undefined;
  poolMax?: number | undefined;
  logger?: Logger | undefined;
  /** Called before a step of opening that can take seconds (PGlite's first cluster). */
  onProgress?: ((message: string) => void) | undefined;
}

export function defaultDataDir(sub = "tasker"): string {
  return join(process.env.TASKER_DATA_DIR ?? ".data", sub);
}

export function isPostgresUrl(url: string | undefined): url is string {
  return !!url && /^postgres(ql)?:\/\//.test(url);
}

/** Opens the engine database: PostgreSQL when a postgres:// URL is given, else embedded PGlite. */
export function openDatabase(location: DatabaseLocation = {}): Promise<Database> {
  if (isPostgresUrl(location.databaseUrl)) {
    return openPostgresDatabase({
      url: location.databaseUrl,
      poolMax: location.poolMax,
      logger: location.logger,
    });
  }
  return openPgliteDatabase(location.dataDir ?? defaultDataDir(), {
    ...(location.onProgress ? { onProgress: location.onProgress } : {}),
    vacuum: { logger: location.logger },
  });
}
