import { type Logger, pino } from "pino";

export type { Logger } from "pino";

/**
 * The engine's root logger. Level from TASKER_LOG_LEVEL (default `info`; `silent` in tests).
 * Child loggers carry task_uuid / step_uuid so every line can be traced to its task.
 */
export function createLogger(options: { level?: string; name?: string } = {}): Logger {
  const level = options.level ?? process.env.TASKER_LOG_LEVEL ?? (process.env.VITEST ? "silent" : "info");
  return pino({
    name: options.name ?? "tasker",
    level,
    // API keys and connection strings never reach the logs.
    redact: {
      paths: [
        "apiKey",
        "api_key",
        "*.apiKey",
        "*.api_key",
        "headers['x-api-key']",
        "req.headers['x-api-key']",
        "databaseUrl",
        "*.databaseUrl",
      ],
      censor: "[redacted]",
    },
  });
}

let root: Logger | undefined;
/** A process-wide default logger for components created without one. */
export function defaultLogger(): Logger {
  root ??= createLogger();
  return root;
}
