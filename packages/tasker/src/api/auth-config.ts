import { readFileSync } from "node:fs";
import { parse as parseToml } from "smol-toml";
import { z } from "zod";
import { parseApiKeys } from "../config/env-overrides.js";
import { type ApiKey, ApiKeySchema, type AuthConfig, AuthConfigSchema } from "./auth.js";

/** A resolved, validated auth configuration. */
export interface ResolvedAuthConfig {
  enabled: boolean;
  apiKeys: ApiKey[];
}

/** Bad or missing API-key configuration; the message names the file or variable and the key. */
export class AuthConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "AuthConfigError";
  }
}

/**
 * `[orchestration.web.auth]` in the TOML config, as in tasker-core:
 * ```toml
 * [orchestration.web.auth]
 * enabled = true
 * [[orchestration.web.auth.api_keys]]
 * name = "ops"
 * key = "${TASKER_OPS_API_KEY}"
 * permissions = ["tasks:read", "tasks:write"]
 * ```
 */
const TomlAuthSchema = z
  .object({
    enabled: z.boolean().optional(),
    api_keys: z.array(ApiKeySchema).optional(),
  })
  .strict();

/** Replaces `${VAR}` and `${VAR:-default}` from the environment, like the rest of the config. */
export function interpolateEnv(value: string, env: NodeJS.ProcessEnv): string {
  return value.replace(
    /\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g,
    (_m, name: string, fallback?: string) => {
      const v = env[name];
      return v !== undefined && v !== "" ? v : (fallback ?? "");
    },
  );
}

function interpolateDeep(value: unknown, env: NodeJS.ProcessEnv): unknown {
  if (typeof value === "string") return interpolateEnv(value, env);
  if (Array.isArray(value)) return value.map((v) => interpolateDeep(v, env));
  if (value && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, interpolateDeep(v, env)]));
  }
  return value;
}

function describeIssues(error: z.ZodError, prefix: string): string {
  return error.issues
    .map((i) => `${[prefix, ...i.path.map(String)].filter(Boolean).join(".")}: ${i.message}`)
    .join("; ");
}

/** Reads `[orchestration.web.auth]` from TOML text; undefined when the section is absent. */
export function authConfigFromToml(
  text: string,
  source: string,
  env: NodeJS.ProcessEnv = process.env,
): Partial<ResolvedAuthConfig> | undefined {
  let doc: Record<string, unknown>;
  try {
    doc = parseToml(text) as Record<string, unknown>;
  } catch (err) {
    throw new AuthConfigError(`${source}: invalid TOML: ${(err as Error).message}`);
  }
  const section = (doc.orchestration as { web?: { auth?: unknown } } | undefined)?.web?.auth;
  if (section === undefined) return undefined;
  const parsed = TomlAuthSchema.safeParse(interpolateDeep(section, env));
  if (!parsed.success) {
    throw new AuthConfigError(`${source}: ${describeIssues(parsed.error, "orchestration.web.auth")}`);
  }
  return { enabled: parsed.data.enabled, apiKeys: parsed.data.api_keys };
}

/**
 * Auth from the environment:
 * - `TASKER_AUTH_ENABLED` = true | false
 * - `TASKER_API_KEY` = one key with every permission (handy for a single operator)
 * - `TASKER_API_KEYS` = `key:perm1|perm2,key2:*`, or a JSON array of `{key, name?, permissions}`
 */
export function authConfigFromEnv(env: NodeJS.ProcessEnv): Partial<ResolvedAuthConfig> {
  const result: Partial<ResolvedAuthConfig> = {};
  const enabled = env.TASKER_AUTH_ENABLED?.trim().toLowerCase();
  if (enabled) {
    if (!["true", "false", "1", "0"].includes(enabled)) {
      throw new AuthConfigError(`TASKER_AUTH_ENABLED must be "true" or "false" (got "${enabled}")`);
    }
    result.enabled = enabled === "true" || enabled === "1";
  }
  const keys: ApiKey[] = [];
  if (env.TASKER_API_KEY) {
    const single = ApiKeySchema.safeParse({ key: env.TASKER_API_KEY, name: "env", permissions: ["*"] });
    if (!single.success) throw new AuthConfigError(describeIssues(single.error, "TASKER_API_KEY"));
    keys.push(single.data);
  }
  if (env.TASKER_API_KEYS) {
    // The same two forms worker.toml's loader and `tasker-ctl config generate` document.
    const raw = parseApiKeys(env.TASKER_API_KEYS.trim());
    if ("error" in raw) {
      throw new AuthConfigError(
        `TASKER_API_KEYS: ${raw.error}; or a JSON array like [{"name":"ops","key":"...","permissions":["tasks:read"]}]`,
      );
    }
    const many = z.array(ApiKeySchema).safeParse(raw.keys);
    if (!many.success) throw new AuthConfigError(describeIssues(many.error, "TASKER_API_KEYS"));
    keys.push(...many.data);
  }
  if (keys.length > 0) result.apiKeys = keys;
  return result;
}

export interface ResolveAuthOptions {
  /** Configuration passed in code wins over everything else. */
  auth?: AuthConfig;
  /** A TOML file with `[orchestration.web.auth]` (default: `TASKER_CONFIG_PATH` when set). */
  configPath?: string;
  env?: NodeJS.ProcessEnv;
  /** Embedded dev mode (PGlite, one process): the only mode where auth is off by default. */
  embedded: boolean;
}

/**
 * Decides whether the API requires keys and which ones. Precedence: code, then TOML, with the
 * environment adding keys and overriding `enabled`. Without any setting, auth is on except in
 * embedded dev mode; on without keys is a configuration error rather than an API that 401s.
 */
export function resolveAuthConfig(options: ResolveAuthOptions): ResolvedAuthConfig {
  const env = options.env ?? process.env;
  if (options.auth) {
    const parsed = AuthConfigSchema.safeParse(options.auth);
    if (!parsed.success) throw new AuthConfigError(`auth options: ${describeIssues(parsed.error, "auth")}`);
    return parsed.data;
  }
  const configPath = options.configPath ?? env.TASKER_CONFIG_PATH;
  let fromToml: Partial<ResolvedAuthConfig> | undefined;
  if (configPath) {
    let text: string;
    try {
      text = readFileSync(configPath, "utf8");
    } catch (err) {
      throw new AuthConfigError(`cannot read config file ${configPath}: ${(err as Error).message}`);
    }
    fromToml = authConfigFromToml(text, configPath, env);
  }
  const fromEnv = authConfigFromEnv(env);
  const apiKeys = [...(fromToml?.apiKeys ?? []), ...(fromEnv.apiKeys ?? [])];
  const enabled = fromEnv.enabled ?? fromToml?.enabled ?? (apiKeys.length > 0 || !options.embedded);
  if (enabled && apiKeys.length === 0) {
    throw new AuthConfigError(
      "the orchestration API requires API keys outside embedded mode, but none are configured: set TASKER_API_KEY " +
        "(or TASKER_API_KEYS, or [[orchestration.web.auth.api_keys]] in the TOML config), or set TASKER_AUTH_ENABLED=false for a trusted network",
    );
  }
  return { enabled, apiKeys };
}
