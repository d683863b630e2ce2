// Small builders for the OpenAPI side of route definitions, so every route documents its
// errors and auth the same way.
import type { z } from "@hono/zod-openapi";
import type { ErrorCode } from "../model/errors.js";
import { ERROR_CODES } from "../model/errors.js";
import type { Permission } from "./auth.js";
import { ErrorEnvelope } from "./schemas.js";

export const API_KEY_SCHEME = "ApiKeyAuth";

const ERROR_DESCRIPTIONS: Partial<Record<ErrorCode, string>> = {
  BAD_REQUEST: "Malformed JSON, a field of the wrong type or shape, or an invalid UUID.",
  UNAUTHORIZED: "Missing or unknown X-API-Key (when auth is enabled).",
  FORBIDDEN: "The API key lacks the permission this route needs.",
  NOT_FOUND: "No such task, step or template.",
  CONFLICT: "The idempotency key belongs to a task with a different payload, or the state forbids it.",
  PAYLOAD_TOO_LARGE: "The body (or the task context) is over the size limit.",
  VALIDATION_ERROR: "The task context does not match the template's input_schema.",
  SERVICE_UNAVAILABLE: "The engine is overloaded or its database unreachable; retry after Retry-After.",
};

export function json<T extends z.ZodType>(schema: T, description: string) {
  return { description, content: { "application/json": { schema } } };
}

/** The documented error responses of a route (auth errors are added for protected routes). */
export function errorResponses(...codes: ErrorCode[]) {
  const out: Record<number, ReturnType<typeof json<typeof ErrorEnvelope>>> = {};
  for (const code of codes) {
    const status = ERROR_CODES[code];
    out[status] = json(ErrorEnvelope, ERROR_DESCRIPTIONS[code] ?? code);
  }
  return out;
}

/** OpenAPI fields for a route guarded by `permission`. */
export function secured(permission: Permission) {
  return {
    security: [{ [API_KEY_SCHEME]: [] }],
    "x-required-permission": permission,
  };
}
