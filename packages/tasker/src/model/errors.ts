import { z } from "zod";

/** Every error code of the API and the clients, with the HTTP status it maps to. */
export const ERROR_CODES = {
  BAD_REQUEST: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  REQUEST_TIMEOUT: 408,
  CONFLICT: 409,
  PAYLOAD_TOO_LARGE: 413,
  VALIDATION_ERROR: 422,
  HEADERS_TOO_LARGE: 431,
  INTERNAL_ERROR: 500,
  BACKPRESSURE: 503,
  SERVICE_UNAVAILABLE: 503,
} as const;
/** An error code, e.g. `NOT_FOUND` (see {@link ERROR_CODES}). */
export type ErrorCode = keyof typeof ERROR_CODES;

/** The API's error envelope: `{error: {code, message, details}}`. */
export const ErrorEnvelopeSchema = z.object({
  error: z.object({
    code: z.enum(Object.keys(ERROR_CODES) as [ErrorCode, ...ErrorCode[]]),
    message: z.string(),
    details: z.unknown().optional(),
  }),
});
/** The error body of every API error: `{error: {code, message, details}}`. */
export type ErrorEnvelope = z.infer<typeof ErrorEnvelopeSchema>;

/**
 * The one error type every client (in-process and HTTP) throws. `code` maps to an HTTP status,
 * so the API layer turns it into the envelope without guessing.
 */
export class TaskerError extends Error {
  readonly status: number;
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: unknown,
    /** Seconds a client should wait before retrying (503s). */
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
    this.name = "TaskerError";
    this.status = ERROR_CODES[code];
  }

  /** The error as the API sends it. */
  toEnvelope(): ErrorEnvelope {
    return { error: { code: this.code, message: this.message, details: this.details } };
  }
}

/** A `NOT_FOUND` error for `what` (e.g. "task") with the id that was not found. */
export const notFound = (what: string, id: string) =>
  new TaskerError("NOT_FOUND", `${what} ${id} was not found; check the id (list them with GET /v1/tasks)`, {
    [what.toLowerCase().replace(/ /g, "_")]: id,
  });
