import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { parse as parseToml, TomlError } from "smol-toml";
import { dottedPath } from "../template/dotted-path.js";
import { friendlyIssueMessage } from "../template/issue-messages.js";
import { findUnknownKeys } from "../template/unknown-keys.js";
import { applyEnvOverrides } from "./env-overrides.js";
import { ConfigError, type ConfigIssue } from "./errors.js";
import { interpolateEnv } from "./interpolate.js";
import { type TaskerConfig, TaskerConfigSchema } from "./schema.js";

type Env = Readonly<Record<string, string | undefined>>;

/** A validated configuration, with the defaults filled in, and its warnings. */
export interface ParsedConfig {
  config: TaskerConfig;
  /** Unknown keys (ignored), each naming its full dotted key. */
  warnings: ConfigIssue[];
}

/** Where a loaded configuration came from. */
export interface ConfigSource {
  /** The file read, or null when every setting came from defaults and the environment. */
  file: string | null;
  /** The environment variables that overrode a setting. */
  envOverrides: string[];
}

/** What {@link loadConfig} returns: the configuration, its warnings and its sources. */
export interface LoadedConfig extends ParsedConfig {
  source: ConfigSource;
}

/** Options of {@link loadConfig}. */
export interface LoadConfigOptions {
  /** The TOML file; default TASKER_CONFIG_PATH. No file at all = every default. */
  path?: string;
  /** Variables for `${VAR}` interpolation and overrides; default process.env. */
  env?: Env;
  /** Base for relative paths given in the environment (TASKER_TEMPLATE_PATH); default process.cwd(). */
  cwd?: string;
  /**
   * Unknown keys are warnings (ignored) instead of errors. Default: TASKER_LENIENT=true in `env`,
   * else errors: a misspelt key silently ignored leaves the setting at its default.
   */
  lenient?: boolean;
}

/**
 * Parses worker.toml text: TOML, then `${VAR}` interpolation, then validation with defaults.
 * Environment overrides (DATABASE_URL, ...) are not applied here and paths stay as written;
 * `loadConfig` does both. Throws ConfigError naming the file, dotted key and expected type.
 */
export function parseConfigText(
  text: string,
  file: string,
  options: { env?: Env; lenient?: boolean } = {},
): ParsedConfig {
  const env = options.env ?? process.env;
  const raw = interpolated(parseTomlText(text, file), file, env);
  return validate(raw, file, new Map(), options.lenient ?? lenientFromEnv(env));
}

/**
 * The configuration for this process: the file (if any) with `${VAR}` interpolated, the
 * environment overrides on top, defaults for the rest. Relative search_paths and handler_paths
 * in the file are resolved against the file's directory.
 */
export function loadConfig(options: LoadConfigOptions = {}): LoadedConfig {
  const env = options.env ?? process.env;
  const path = options.path ?? (env.TASKER_CONFIG_PATH?.trim() || undefined);
  let raw: Record<string, unknown> = {};
  if (path) {
    let text: string;
    try {
      text = readFileSync(path, "utf8");
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      throw new ConfigError(path, [
        {
          source: path,
          key: "",
          message:
            code === "ENOENT"
              ? "config file not found; check TASKER_CONFIG_PATH, or create one with `tasker-ctl config generate`"
              : `cannot read the config file (${code ?? String(error)})`,
        },
      ]);
    }
    raw = interpolated(parseTomlText(text, path), path, env);
  }
  const overridden = applyEnvOverrides(raw, env, options.cwd);
  if (overridden.issues.length > 0) {
    throw new ConfigError(
      path ?? null,
      overridden.issues.map((i) => ({
        source: `environment variable ${i.variable}`,
        key: "",
        message: i.message,
      })),
    );
  }
  const { config, warnings } = validate(
    overridden.raw,
    path ?? null,
    overridden.sources,
    options.lenient ?? lenientFromEnv(env),
  );
  if (path) {
    const base = dirname(resolve(path));
    config.common.task_templates.search_paths = config.common.task_templates.search_paths.map((p) =>
      resolve(base, p),
    );
    config.worker.handler_paths = config.worker.handler_paths.map((p) => resolve(base, p));
  }
  return {
    config,
    warnings,
    source: { file: path ?? null, envOverrides: [...new Set(overridden.sources.values())] },
  };
}

function parseTomlText(text: string, file: string): Record<string, unknown> {
  try {
    return parseToml(text) as Record<string, unknown>;
  } catch (error) {
    if (error instanceof TomlError) {
      const reason = error.message.split("\n")[0]!.replace(/:$/, "");
      throw new ConfigError(file, [
        {
          source: file,
          key: "",
          message: `TOML syntax error at line ${error.line}, column ${error.column}: ${reason}`,
        },
      ]);
    }
    throw error;
  }
}

function interpolated(raw: Record<string, unknown>, file: string, env: Env): Record<string, unknown> {
  const { value, issues } = interpolateEnv(raw, env);
  if (issues.length > 0) {
    throw new ConfigError(
      file,
      issues.map((i) => ({ source: file, key: dottedPath(i.path), message: i.message })),
    );
  }
  return value as Record<string, unknown>;
}

function validate(
  raw: Record<string, unknown>,
  file: string | null,
  sources: Map<string, string>,
  lenient: boolean,
): ParsedConfig {
  const sourceOf = (key: string) => {
    for (const [prefix, variable] of sources) {
      if (key === prefix || key.startsWith(`${prefix}.`) || key.startsWith(`${prefix}[`)) {
        return `environment variable ${variable}`;
      }
    }
    return file ?? "defaults";
  };
  const unknown = findUnknownKeys(raw, TaskerConfigSchema).map(({ path, suggestions }) => {
    const key = dottedPath(path);
    const hint =
      suggestions.length > 0
        ? ` (did you mean ${suggestions.map((s) => `"${s}"`).join(" or ")}?)`
        : lenient
          ? ""
          : "; remove it, or load leniently (--lenient, TASKER_LENIENT=true) to ignore unknown keys";
    return {
      source: sourceOf(key),
      key,
      message: `${lenient ? "unknown key, ignored" : "unknown key"}${hint}`,
    };
  });
  const result = TaskerConfigSchema.safeParse(raw, { error: friendlyIssueMessage });
  // Every problem at once: unknown keys (errors unless lenient) with the invalid values.
  const errors = [
    ...(lenient ? [] : unknown),
    ...(result.success
      ? []
      : result.error.issues.map((i) => {
          const key = dottedPath(i.path);
          return { source: sourceOf(key), key, message: i.message };
        })),
  ];
  if (errors.length > 0 || !result.success) {
    throw new ConfigError(file, errors, lenient ? unknown : []);
  }
  return { config: result.data, warnings: lenient ? unknown : [] };
}

/** The default of `lenient`: TASKER_LENIENT=true (or 1). */
export function lenientFromEnv(env: Env): boolean {
  return /^(true|1)$/i.test(env.TASKER_LENIENT?.trim() ?? "");
}
