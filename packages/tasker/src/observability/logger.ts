import { type Logger, pino } from "pino";
import { prettyDestination } from "./pretty-lines.js";

export type { Logger } from "pino";

/** An error's message for a log line (anything thrown, not only Errors). */
export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** How log lines are written: JSON (for log collectors) or readable text (for a terminal). */
export type LogFormat = "json" | "pretty";

/**
 * TASKER_LOG_FORMAT (`json` or `pretty`), else readable text when standard output is a terminal
 * and JSON otherwise (a file, a pipe, a container's log collector).
 */
export function defaultLogFormat(
  env: NodeJS.ProcessEnv = process.env,
  stdout: { isTTY?: boolean } = process.stdout,
): LogFormat {
  const configured = env.TASKER_LOG_FORMAT?.trim().toLowerCase();
  if (configured === "json" || configured === "pretty") return configured;
  return stdout.isTTY ? "pretty" : "json";
}

/**
 * The engine's root logger. Level from TASKER_LOG_LEVEL (default `info`; `silent` in tests);
 * format from TASKER_LOG_FORMAT (see {@link defaultLogFormat}). Child loggers carry task_uuid /
 * step_uuid so every line can be traced to its task.
 */
export function createLogger(
  options: {
    level?: string;
    name?: string;
    format?: LogFormat;
    /** Where lines go (default standard output). */
    destination?: { write(text: string): unknown };
  } = {},
): Logger {
  const level = options.level ?? process.env.TASKER_LOG_LEVEL ?? (process.env.VITEST ? "silent" : "info");
  const format = options.format ?? defaultLogFormat();
  const out = options.destination ?? process.stdout;
  const destination =
    format === "pretty"
      ? prettyDestination(out, !process.env.NO_COLOR && (out as { isTTY?: boolean }).isTTY === true)
      : options.destination;
  const pinoOptions = {
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
  };
  return destination ? pino(pinoOptions, destination) : pino(pinoOptions);
}

let root: Logger | undefined;
/** A process-wide default logger for components created without one. */
export function defaultLogger(): Logger {
  root ??= createLogger();
  return root;
}
