import { formatConfigIssue } from "../config/errors.js";
import type { LoadedConfig } from "../config/load.js";
import { usageError } from "./exit-codes.js";
import { type DatabaseLocation, isPostgresUrl, redactUrl } from "./options.js";
import type { Output } from "./output.js";

/**
 * worker.toml for serve/worker, only when one is named (`--config` or TASKER_CONFIG_PATH):
 * without it, flags, their environment variables and the engine defaults apply. Invalid
 * config is exit 2 with every issue naming its key.
 */
export async function loadProcessConfig(
  path: string | undefined,
  out: Output,
): Promise<LoadedConfig | undefined> {
  if (!path) return undefined;
  const { loadConfig } = await import("../config/load.js");
  const loaded = loadConfig({ path });
  for (const warning of loaded.warnings) out.warn(formatConfigIssue(warning));
  return loaded;
}

/** Flags win; then the config's database url (which DATABASE_URL already overrides). */
export function databaseFromConfig(
  location: DatabaseLocation,
  config: LoadedConfig | undefined,
): DatabaseLocation {
  if (location.databaseUrl || location.dataDir || !config) return location;
  const url = config.config.common.database.url;
  if (url === "") return location;
  if (!isPostgresUrl(url)) {
    throw usageError(
      `${config.source.file}: common.database.url must be a postgres:// URL or empty (embedded PGlite), got "${redactUrl(url)}"`,
    );
  }
  return { databaseUrl: url, description: `PostgreSQL ${redactUrl(url)}` };
}

/** `host:port` from a bind_address such as `0.0.0.0:8080` or `[::1]:8080`. */
export function parseBindAddress(address: string): { host: string; port: number } {
  const match = /^(?:\[([^\]]+)\]|([^:]+)):(\d+)$/.exec(address);
  if (!match) throw usageError(`bind_address "${address}" must look like 0.0.0.0:8080`);
  return { host: match[1] ?? match[2]!, port: Number(match[3]) };
}
