// worker.toml / orchestration configuration: TOML + ${VAR} interpolation + env overrides + defaults.
export { applyEnvOverrides, ENV_OVERRIDE_VARIABLES, parseApiKeys } from "./env-overrides.js";
export { ConfigError, type ConfigIssue, formatConfigIssue } from "./errors.js";
export { type GenerateConfigOptions, generateConfigToml } from "./generate.js";
export { interpolateEnv, interpolateString } from "./interpolate.js";
export {
  type ConfigSource,
  type LoadConfigOptions,
  type LoadedConfig,
  loadConfig,
  type ParsedConfig,
  parseConfigText,
} from "./load.js";
export {
  API_PERMISSIONS,
  type ApiKeyConfig,
  ApiKeyConfigSchema,
  type ApiPermission,
  defaultConfig,
  QUEUE_BACKENDS,
  type TaskerConfig,
  TaskerConfigSchema,
} from "./schema.js";
