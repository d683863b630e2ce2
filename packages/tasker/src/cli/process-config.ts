import { formatConfigIssue } from "../config/errors.js";
import type { LoadedConfig } from "../config/load.js";
import { defaultConfig } from "../config/schema.js";
import type { OrchestratorOptions } from "../orchestrator/orchestrator.js";
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
  lenient = false,
): Promise<LoadedConfig | undefined> {
  if (!path) return undefined;
  const { loadConfig } = await import("../config/load.js");
  const loaded = loadConfig({ path, lenient });
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

/**
 * What `serve` hands the engine and its orchestrator from worker.toml: the backpressure limit
 * (the documented default without a file, so a server is never unbounded by accident) and the
 * queue settings of [common.queues] and [common.backoff]. Without them a restarted orchestrator
 * waited the built-in 30 s for the messages a crashed one had read, whatever the file said.
 */
export function orchestrationSettings(loaded: LoadedConfig | undefined): {
  maxPendingTasks: number;
  orchestrator: OrchestratorOptions;
} {
  if (!loaded) return { maxPendingTasks: defaultConfig().orchestration.max_pending_tasks, orchestrator: {} };
  const { queues, backoff } = loaded.config.common;
  return {
    maxPendingTasks: loaded.config.orchestration.max_pending_tasks,
    orchestrator: {
      pollIntervalMs: queues.poll_interval_ms,
      visibilitySeconds: queues.visibility_timeout_seconds,
      jitterPercent: backoff.jitter_percent,
    },
  };
}
