import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import type { ZodError } from "zod";
import { ERROR_CODES, type ErrorCode, type ErrorEnvelope, TaskerError } from "../model/errors.js";
import type { Logger } from "../observability/logger.js";
import { IllegalTransitionError } from "../state/transitions.js";

/** An HTTP status and the error envelope to send with it. */
export interface ErrorReply {
  status: number;
  body: ErrorEnvelope;
  headers: Record<string, string>;
}

/** The request parts the API validates, as users name them in messages. */
const TARGET_NAMES: Record<string, string> = {
  json: "request body",
  query: "query string",
  param: "path",
  header: "headers",
};

/**
 * Maps anything a route can throw to the envelope. TaskerErrors keep their code; Hono's own
 * 4xx (malformed JSON, unsupported media type) become BAD_REQUEST; anything else is a bug and is
 * reported as INTERNAL_ERROR without leaking internals.
 */
export function errorReply(err: unknown): ErrorReply {
  if (err instanceof TaskerError) {
    const headers: Record<string, string> = {};
    if (err.status === 503)
      headers["Retry-After"] = String(Math.max(1, Math.ceil(err.retryAfterSeconds ?? 1)));
    return { status: err.status, body: err.toEnvelope(), headers };
  }
  if (err instanceof IllegalTransitionError) {
    return reply("CONFLICT", `${err.message}; reload the task to see its current state`);
  }
  if (err instanceof HTTPException && err.status >= 400 && err.status < 500) {
    if (err.status === 413) return reply("PAYLOAD_TOO_LARGE", err.message || "request body is too large");
    const message =
      err.status === 415
        ? "unsupported Content-Type; send the body as application/json"
        : err.message || "bad request";
    return reply("BAD_REQUEST", message);
  }
  return reply("INTERNAL_ERROR", "internal error; the server log has the details");
}

export function reply(code: ErrorCode, message: string, details?: unknown): ErrorReply {
  const headers: Record<string, string> = {};
  if (ERROR_CODES[code] === 503) headers["Retry-After"] = "1";
  return { status: ERROR_CODES[code], body: { error: { code, message, details } }, headers };
}

/** A Zod failure on one part of the request, naming every failing field. */
export function validationReply(target: string, error: ZodError): ErrorReply {
  const where = TARGET_NAMES[target] ?? target;
  const issues = error.issues.map((issue) => ({
    path: issue.path.map(String).join("."),
    message: issue.message,
    code: issue.code,
  }));
  const summary = issues
    .slice(0, 5)
    .map((i) => `${i.path || "(root)"}: ${i.message}`)
    .join("; ");
  const more = issues.length > 5 ? ` (and ${issues.length - 5} more)` : "";
  return reply("BAD_REQUEST", `invalid ${where}: ${summary}${more}`, { target: where, issues });
}

export function sendError(c: Context, replyToSend: ErrorReply): Response {
  return c.json(replyToSend.body, replyToSend.status as 400, replyToSend.headers);
}

/** Hono `onError`: every failure leaves as an envelope; only unexpected ones are logged as errors. */
export function createErrorHandler(logger: Logger) {
  return (err: unknown, c: Context): Response => {
    const r = errorReply(err);
    if (r.status >= 500 && r.body.error.code === "INTERNAL_ERROR") {
      logger.error({ err, method: c.req.method, path: c.req.path }, "unhandled error in API route");
    }
    return sendError(c, r);
  };
}
