import { describe, expect, it } from "vitest";
import { ERROR_CODES, ErrorEnvelopeSchema, notFound, TaskerError } from "./errors.js";

describe("TaskerError", () => {
  it.each(Object.entries(ERROR_CODES))("maps %s to HTTP %d", (code, status) => {
    const err = new TaskerError(code as keyof typeof ERROR_CODES, "m");
    expect(err.status).toBe(status);
    expect(err).toBeInstanceOf(Error);
    expect(err.name).toBe("TaskerError");
  });

  it("uses the spec's status for every documented code", () => {
    expect(ERROR_CODES).toMatchObject({
      BAD_REQUEST: 400,
      UNAUTHORIZED: 401,
      FORBIDDEN: 403,
      NOT_FOUND: 404,
      CONFLICT: 409,
      PAYLOAD_TOO_LARGE: 413,
      VALIDATION_ERROR: 422,
      BACKPRESSURE: 503,
      SERVICE_UNAVAILABLE: 503,
    });
  });

  it("renders the error envelope", () => {
    const err = new TaskerError("CONFLICT", "taken", { existing_task_uuid: "u" }, 3);
    expect(err.retryAfterSeconds).toBe(3);
    const envelope = err.toEnvelope();
    expect(envelope).toEqual({
      error: { code: "CONFLICT", message: "taken", details: { existing_task_uuid: "u" } },
    });
    expect(ErrorEnvelopeSchema.parse(envelope)).toEqual(envelope);
  });

  it("builds a not-found error naming what and which id", () => {
    const err = notFound("Workflow step", "abc");
    expect(err.code).toBe("NOT_FOUND");
    expect(err.message).toContain("Workflow step abc was not found");
    expect(err.details).toEqual({ workflow_step: "abc" });
  });
});
