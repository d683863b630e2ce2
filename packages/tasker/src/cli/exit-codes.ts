import type { ErrorCode } from "../model/errors.js";

/** The exit codes scripts can rely on; every command ends with one of these. */
export const EXIT = {
  ok: 0,
  /** The operation ran but failed (a task ended in error, a wait timed out). */
  failed: 1,
  /** Bad usage or invalid input (unknown option, bad JSON, invalid template or config). */
  usage: 2,
  notFound: 3,
  conflict: 4,
  /** The orchestration API (or database) could not be reached or is unavailable. */
  unavailable: 5,
} as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** The exit code for an API error code. */
export function exitCodeForErrorCode(code: ErrorCode): ExitCode {
  switch (code) {
    case "NOT_FOUND":
      return EXIT.notFound;
    case "CONFLICT":
      return EXIT.conflict;
    case "SERVICE_UNAVAILABLE":
    case "BACKPRESSURE":
    // The request did not reach the server in time: the network, not the invocation.
    case "REQUEST_TIMEOUT":
      return EXIT.unavailable;
    case "BAD_REQUEST":
    case "VALIDATION_ERROR":
    case "PAYLOAD_TOO_LARGE":
    case "HEADERS_TOO_LARGE":
    // A missing or wrong API key is fixed by changing the invocation.
    case "UNAUTHORIZED":
    case "FORBIDDEN":
      return EXIT.usage;
    case "INTERNAL_ERROR":
      return EXIT.failed;
  }
}

/** An error the CLI reports as `error: <message>` and exits with `exitCode`. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: ExitCode = EXIT.failed,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = "CliError";
  }
}

/** Bad usage or input: exit code 2. */
export const usageError = (message: string, details?: unknown) => new CliError(message, EXIT.usage, details);
