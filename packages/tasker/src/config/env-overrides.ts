import { delimiter, resolve } from "node:path";

type Env = Readonly<Record<string, string | undefined>>;

export interface EnvOverrideIssue {
  variable: string;
  message: string;
}

export interface EnvOverrideResult {
  /** The raw config with the overrides written in (a copy; the input is not modified). */
  raw: Record<string, unknown>;
  /** Dotted key -> the environment variable that set it (for messages naming the source). */
  sources: Map<string, string>;
  issues: EnvOverrideIssue[];
}

/**
 * The environment variables that override the config file, applied on top of it:
 * - DATABASE_URL -> common.database.url
 * - TASKER_MESSAGING_BACKEND -> common.queues.backend
 * - RABBITMQ_URL -> common.queues.rabbitmq.url
 * - TASKER_TEMPLATE_PATH -> prepended to common.task_templates.search_paths (several paths
 *   separated by the platform's path delimiter, `:` on POSIX; relative to the working directory)
 * - TASKER_WORKER_NAMESPACES -> worker.namespaces (comma list)
 * - TASKER_API_KEYS -> orchestration.web.auth.api_keys, replacing the file's (`key:perm1|perm2,key2:*`,
 *   or a JSON array of {key, name?, permissions}); turns auth on unless TASKER_AUTH_ENABLED says otherwise
 * - TASKER_API_KEY -> one more key with every permission (`*`)
 * - TASKER_AUTH_ENABLED -> orchestration.web.auth.enabled
 * Empty variables count as unset (a blank line in .env must not wipe a setting).
 */
export const ENV_OVERRIDE_VARIABLES = [
  "DATABASE_URL",
  "TASKER_MESSAGING_BACKEND",
  "RABBITMQ_URL",
  "TASKER_TEMPLATE_PATH",
  "TASKER_WORKER_NAMESPACES",
  "TASKER_API_KEYS",
  "TASKER_API_KEY",
  "TASKER_AUTH_ENABLED",
] as const;

/**
 * Writes the {@link ENV_OVERRIDE_VARIABLES} that are set into a raw (parsed, not yet validated)
 * config; relative TASKER_TEMPLATE_PATH entries are resolved against `cwd`. Problems (a malformed
 * TASKER_API_KEYS) are returned in `issues`, not thrown.
 */
export function applyEnvOverrides(
  raw: Record<string, unknown>,
  env: Env,
  cwd: string = process.cwd(),
): EnvOverrideResult {
  const result: EnvOverrideResult = { raw: structuredClone(raw), sources: new Map(), issues: [] };
  const get = (name: string) => {
    const value = env[name]?.trim();
    return value ? value : undefined;
  };
  const set = (path: string[], value: unknown, variable: string) => {
    setPath(result.raw, path, value);
    result.sources.set(path.join("."), variable);
  };

  const databaseUrl = get("DATABASE_URL");
  if (databaseUrl) set(["common", "database", "url"], databaseUrl, "DATABASE_URL");
  const backend = get("TASKER_MESSAGING_BACKEND");
  if (backend) set(["common", "queues", "backend"], backend, "TASKER_MESSAGING_BACKEND");
  const rabbitUrl = get("RABBITMQ_URL");
  if (rabbitUrl) set(["common", "queues", "rabbitmq", "url"], rabbitUrl, "RABBITMQ_URL");

  const templatePath = get("TASKER_TEMPLATE_PATH");
  if (templatePath) {
    const fromEnv = templatePath
      .split(delimiter)
      .filter(Boolean)
      .map((p) => resolve(cwd, p));
    const existing = getPath(result.raw, ["common", "task_templates", "search_paths"]);
    const fromFile = Array.isArray(existing) ? existing : existing === undefined ? [] : undefined;
    // A malformed file value is left for validation to report.
    if (fromFile)
      set(["common", "task_templates", "search_paths"], [...fromEnv, ...fromFile], "TASKER_TEMPLATE_PATH");
  }

  const namespaces = get("TASKER_WORKER_NAMESPACES");
  if (namespaces) {
    const list = namespaces
      .split(",")
      .map((s) => s.trim())
      .filter(Boolean);
    set(["worker", "namespaces"], list, "TASKER_WORKER_NAMESPACES");
  }

  const keys: unknown[] = [];
  const apiKeys = get("TASKER_API_KEYS");
  if (apiKeys) {
    const parsed = parseApiKeys(apiKeys);
    if ("error" in parsed) result.issues.push({ variable: "TASKER_API_KEYS", message: parsed.error });
    else keys.push(...parsed.keys);
  }
  const singleKey = get("TASKER_API_KEY");
  if (singleKey) keys.push({ key: singleKey, name: "TASKER_API_KEY", permissions: ["*"] });
  if (keys.length > 0) {
    set(["orchestration", "web", "auth", "api_keys"], keys, apiKeys ? "TASKER_API_KEYS" : "TASKER_API_KEY");
    set(["orchestration", "web", "auth", "enabled"], true, apiKeys ? "TASKER_API_KEYS" : "TASKER_API_KEY");
  }
  const authEnabled = get("TASKER_AUTH_ENABLED");
  if (authEnabled) set(["orchestration", "web", "auth", "enabled"], authEnabled, "TASKER_AUTH_ENABLED");
  return result;
}

/** `key:perm1|perm2,key2:*` (keys may not contain `:` or `,`), or a JSON array of key objects. */
export function parseApiKeys(text: string): { keys: unknown[] } | { error: string } {
  if (text.startsWith("[")) {
    try {
      const parsed: unknown = JSON.parse(text);
      if (Array.isArray(parsed)) return { keys: parsed };
    } catch {
      // fall through to the error below
    }
    return { error: 'is not a valid JSON array of {"key", "name", "permissions"} objects' };
  }
  const keys: unknown[] = [];
  const entries = text
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  for (const [i, entry] of entries.entries()) {
    const colon = entry.indexOf(":");
    if (colon <= 0 || colon === entry.length - 1) {
      return {
        error: `entry ${i + 1} must be "key:permission|permission" (e.g. "<key>:tasks:read|tasks:write" or "<key>:*")`,
      };
    }
    const permissions = entry
      .slice(colon + 1)
      .split("|")
      .map((p) => p.trim())
      .filter(Boolean);
    keys.push({ key: entry.slice(0, colon), name: `TASKER_API_KEYS[${i}]`, permissions });
  }
  return { keys };
}

function getPath(target: Record<string, unknown>, path: string[]): unknown {
  let current: unknown = target;
  for (const part of path) {
    if (current === null || typeof current !== "object" || Array.isArray(current)) return undefined;
    current = (current as Record<string, unknown>)[part];
  }
  return current;
}

function setPath(target: Record<string, unknown>, path: string[], value: unknown): void {
  let current = target;
  for (const part of path.slice(0, -1)) {
    const next = current[part];
    if (next === null || typeof next !== "object" || Array.isArray(next)) current[part] = {};
    current = current[part] as Record<string, unknown>;
  }
  current[path[path.length - 1]!] = value;
}
