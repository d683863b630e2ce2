// `@tasker-ts/tasker/api`: the orchestration REST API, as a server or as a Hono app to mount.
export { type ApiAppOptions, type BuiltApiApp, buildApiApp, createApiApp } from "./app.js";
export { API_KEY_HEADER, type ApiKey, type AuthConfig, PERMISSIONS, type Permission } from "./auth.js";
export {
  AuthConfigError,
  authConfigFromEnv,
  authConfigFromToml,
  type ResolvedAuthConfig,
  resolveAuthConfig,
} from "./auth-config.js";
export {
  type OrchestrationServer,
  type OrchestrationServerOptions,
  startOrchestrationServer,
} from "./server.js";
export type { ApiTasker } from "./tasker-port.js";
