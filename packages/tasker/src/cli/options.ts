import { type Command, InvalidArgumentError, Option } from "commander";
import type { TaskerHttpClient } from "../client/http-client.js";
import { usageError } from "./exit-codes.js";

export const DEFAULT_API_URL = "http://localhost:8080";

/** `--json` on a command whose result scripts may want to parse. */
export function withJsonOption(command: Command): Command {
  return command.option("--json", "print machine-readable JSON instead of text");
}

/** `--lenient`: unknown keys in templates and worker.toml are warnings instead of errors. */
export function withLenientOption(command: Command): Command {
  return command.option(
    "--lenient",
    "unknown keys in templates and worker.toml are warnings, not errors (also TASKER_LENIENT=true)",
  );
}

/** The flag, else TASKER_LENIENT=true in the environment. */
export function isLenient(options: { lenient?: boolean }, env: NodeJS.ProcessEnv): boolean {
  return options.lenient === true || /^(true|1)$/i.test(env.TASKER_LENIENT?.trim() ?? "");
}

export interface ApiOptions {
  url: string;
  apiKey?: string;
}

/** `--url` / `--api-key` for commands that talk to the orchestration API. */
export function withApiOptions(command: Command): Command {
  return command
    .addOption(
      new Option("--url <url>", "orchestration API base URL")
        .env("ORCHESTRATION_URL")
        .default(DEFAULT_API_URL),
    )
    .addOption(new Option("--api-key <key>", "API key sent as X-API-Key").env("TASKER_API_KEY"));
}

/** The HTTP client (loaded on first use, so `--help` stays fast). */
export async function createApiClient(options: ApiOptions): Promise<TaskerHttpClient> {
  const { TaskerHttpClient } = await import("../client/http-client.js");
  try {
    return new TaskerHttpClient({
      baseUrl: options.url,
      ...(options.apiKey ? { apiKey: options.apiKey } : {}),
    });
  } catch {
    throw usageError(`--url "${options.url}" is not a URL; use e.g. ${DEFAULT_API_URL}`);
  }
}

export interface DatabaseOptions {
  databaseUrl?: string;
  dataDir?: string;
}

/** `--database-url` (or DATABASE_URL) for a PostgreSQL server, `--data-dir` for embedded PGlite. */
export function withDatabaseOptions(command: Command): Command {
  return command
    .addOption(
      new Option("--database-url <url>", "PostgreSQL connection string (postgres://...)").env("DATABASE_URL"),
    )
    .option(
      "--data-dir <dir>",
      "embedded PGlite data directory (default $TASKER_DATA_DIR/tasker or .data/tasker)",
    );
}

/** The same rule as openDatabase: postgres:// or postgresql:// means a server. */
export function isPostgresUrl(url: string | undefined): url is string {
  return !!url && /^postgres(ql)?:\/\//.test(url);
}

export interface DatabaseLocation {
  databaseUrl?: string;
  dataDir?: string;
  /** For messages; never contains a password. */
  description: string;
}

/**
 * Where the engine's database is. An explicit `--database-url` must be a postgres:// URL and
 * cannot be combined with `--data-dir`; a DATABASE_URL from the environment gives way to
 * `--data-dir`, and a non-postgres DATABASE_URL is ignored (as the engine itself does).
 */
export function resolveDatabaseLocation(
  options: DatabaseOptions,
  databaseUrlSource: string | undefined,
): DatabaseLocation {
  const fromFlag = databaseUrlSource === "cli";
  if (fromFlag && options.dataDir) {
    throw usageError("--database-url and --data-dir both name a database; pass only one");
  }
  if (fromFlag && !isPostgresUrl(options.databaseUrl)) {
    throw usageError(
      `--database-url must be a postgres:// or postgresql:// URL (got "${redactUrl(options.databaseUrl ?? "")}"); use --data-dir for embedded PGlite`,
    );
  }
  if (!options.dataDir && isPostgresUrl(options.databaseUrl)) {
    return { databaseUrl: options.databaseUrl, description: `PostgreSQL ${redactUrl(options.databaseUrl)}` };
  }
  if (options.dataDir) return { dataDir: options.dataDir, description: `PGlite ${options.dataDir}` };
  return { description: "PGlite (default data directory)" };
}

/** A connection string with its password replaced, safe to print. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = "***";
    return parsed.toString();
  } catch {
    return url.replace(/\/\/([^:/@]+):[^@]*@/, "//$1:***@");
  }
}

/** Commander argument parser for a positive integer option, naming the option on failure. */
export function positiveInt(value: string): number {
  if (!/^\d+$/.test(value.trim()) || Number(value) < 1) {
    throw new InvalidArgumentError(`expected a positive whole number, got "${value}"`);
  }
  return Number(value);
}

/** Commander argument parser for a port (0 = any free port). */
export function port(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || n > 65_535) {
    throw new InvalidArgumentError(`expected a port number 0-65535, got "${value}"`);
  }
  return n;
}

/** Commander argument parser for a non-negative number of seconds. */
export function seconds(value: string): number {
  const n = Number(value);
  if (value.trim() === "" || !Number.isFinite(n) || n < 0) {
    throw new InvalidArgumentError(`expected a number of seconds, got "${value}"`);
  }
  return n;
}

/** `a,b, c` -> ["a", "b", "c"] (commander parser; repeated options accumulate). */
export function commaList(value: string, previous: string[] = []): string[] {
  return [
    ...previous,
    ...value
      .split(",")
      .map((s) => s.trim())
      .filter(Boolean),
  ];
}
