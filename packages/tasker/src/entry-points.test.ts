import { describe, expect, it } from "vitest";

/**
 * The values each entry point of the package exports (package.json `exports`), so that a name
 * joins the public API on purpose. Types are checked where they are used: the packed package's
 * test compiles a project against the built declarations (test/package/packed.test.ts).
 */
const ENTRY_POINTS = {
  ".": () => import("./index.js"),
  "./client": () => import("./client/index.js"),
  "./api": () => import("./api/index.js"),
  "./ui": () => import("./ui/index.js"),
  "./protocol": () => import("./protocol/index.js"),
  "./testing": () => import("./testing/index.js"),
};

const names = async (entry: keyof typeof ENTRY_POINTS) => Object.keys(await ENTRY_POINTS[entry]()).sort();

describe("entry points", () => {
  it("export the public API and nothing else", async () => {
    expect(await names(".")).toMatchInlineSnapshot(`
      [
        "BATCH_OUTCOME_KEY",
        "CheckpointRefusedError",
        "ConfigError",
        "DECISION_OUTCOME_KEY",
        "DataDirLockedError",
        "EmbeddedSqlClient",
        "HandlerRegistry",
        "LIFECYCLE_EVENT_NAMES",
        "MAX_CHECKPOINT_BYTES",
        "PermanentError",
        "ProtocolError",
        "RemoteWorker",
        "RetryableError",
        "StepHandlerBase",
        "TASK_CANCELLED",
        "TASK_COMPLETED",
        "TASK_FAILED",
        "TASK_RESOLVED_MANUALLY",
        "TASK_TEMPLATE_SCHEMA_ID",
        "TASK_TERMINAL_EVENTS",
        "Tasker",
        "TemplateValidationError",
        "batchInputs",
        "batchResults",
        "bootstrapWorker",
        "createBatches",
        "createLogger",
        "createMetrics",
        "decide",
        "defaultConfig",
        "defineHandler",
        "defineTemplate",
        "embeddedPglite",
        "embeddedSqlClient",
        "formatConfigIssue",
        "formatTemplateIssue",
        "getWorkerStatus",
        "isStepHandler",
        "loadConfig",
        "loadTemplateFile",
        "loadTemplates",
        "migrate",
        "noBatches",
        "noBranches",
        "openDatabase",
        "parseConfigText",
        "parseTemplate",
        "parseTemplateObject",
        "planBatches",
        "stopWorker",
        "taskTemplateJsonSchema",
        "templateToMermaid",
      ]
    `);
    expect(await names("./client")).toMatchInlineSnapshot(`
      [
        "CONTEXT_LIMITS",
        "ERROR_CODES",
        "NAMESPACE_PATTERN",
        "STEP_STATES",
        "STEP_TERMINAL_STATES",
        "TASK_STATES",
        "TASK_TERMINAL_STATES",
        "TEMPLATE_NAME_PATTERN",
        "TaskerError",
        "TaskerHttpClient",
      ]
    `);
    expect(await names("./api")).toMatchInlineSnapshot(`
      [
        "API_KEY_HEADER",
        "AuthConfigError",
        "PERMISSIONS",
        "authConfigFromEnv",
        "authConfigFromToml",
        "buildApiApp",
        "createApiApp",
        "resolveAuthConfig",
        "startOrchestrationServer",
      ]
    `);
    expect(await names("./ui")).toMatchInlineSnapshot(`
      [
        "createDashboardApp",
        "mountDashboard",
      ]
    `);
    expect(await names("./testing")).toMatchInlineSnapshot(`
      [
        "TEST_PG_ADMIN_URL",
        "createTestDatabase",
        "testBackends",
      ]
    `);
  });

  it("give each name one entry point", async () => {
    const seen = new Map<string, string>();
    for (const entry of Object.keys(ENTRY_POINTS) as (keyof typeof ENTRY_POINTS)[]) {
      for (const name of await names(entry)) {
        expect(seen.get(name), `${name} is exported by ${seen.get(name)} and ${entry}`).toBeUndefined();
        seen.set(name, entry);
      }
    }
  });
});
