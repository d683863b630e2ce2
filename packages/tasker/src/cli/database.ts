import type { Logger } from "../observability/logger.js";
import type { Database } from "../store/database.js";
import { openDatabase } from "../store/open-database.js";
import { CliError, EXIT } from "./exit-codes.js";
import type { DatabaseLocation } from "./options.js";

/** Opens the engine database, turning "cannot connect" into exit code 5 with the target named. */
export async function openCliDatabase(
  location: DatabaseLocation,
  logger?: Logger,
  poolMax?: number,
): Promise<Database> {
  try {
    return await openDatabase({
      databaseUrl: location.databaseUrl,
      dataDir: location.dataDir,
      poolMax,
      ...(logger ? { logger } : {}),
    });
  } catch (err) {
    const code = (err as { code?: string }).code;
    throw new CliError(
      `cannot open the database (${location.description}): ${(err as Error).message}${code ? ` [${code}]` : ""}; check --database-url / DATABASE_URL or --data-dir`,
      EXIT.unavailable,
    );
  }
}
