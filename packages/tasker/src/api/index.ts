// The orchestration REST API: what src/index.ts re-exports.
export { type ApiAppOptions, type BuiltApiApp, buildApiApp, createApiApp } from "./app.js";
export {
  API_KEY_HEADER,
  type ApiKey,
  type AuthConfig,
  PERMISSIONS,
  type Permission,
} from "./auth.js";
export {
  AuthConfigError,
  authConfigFromEnv,
  authConfigFromToml,
  type ResolvedAuthConfig,
  resolveAuthConfig,
} from "./auth-config.js";
export { renderApiReference } from "./docs-page.js";
export { MAX_BODY_BYTES } from "./json-body.js";
export {
  type OrchestrationServer,
  type OrchestrationServerOptions,
  startOrchestrationServer,
} from "./server.js";
export type { ApiTasker } from "./tasker-port.js";
export type {
  HealthResponse,
  TemplateDetail,
  TemplateListResponse,
  TemplateSummary,
} from "./wire-schemas.js";
