import { describe, expect, it } from "vitest";
import { ERROR_CODES, type ErrorCode } from "../model/errors.js";
import { CliError, EXIT, exitCodeForErrorCode, usageError } from "./exit-codes.js";

describe("exitCodeForErrorCode", () => {
  it("maps each API error class to the exit code scripts rely on", () => {
    expect(exitCodeForErrorCode("NOT_FOUND")).toBe(3);
    expect(exitCodeForErrorCode("CONFLICT")).toBe(4);
    expect(exitCodeForErrorCode("SERVICE_UNAVAILABLE")).toBe(5);
    expect(exitCodeForErrorCode("BACKPRESSURE")).toBe(5);
    expect(exitCodeForErrorCode("REQUEST_TIMEOUT")).toBe(5);
    expect(exitCodeForErrorCode("HEADERS_TOO_LARGE")).toBe(2);
    expect(exitCodeForErrorCode("VALIDATION_ERROR")).toBe(2);
    expect(exitCodeForErrorCode("BAD_REQUEST")).toBe(2);
    expect(exitCodeForErrorCode("UNAUTHORIZED")).toBe(2);
    expect(exitCodeForErrorCode("INTERNAL_ERROR")).toBe(1);
  });

  it("has an answer for every error code, never 0", () => {
    for (const code of Object.keys(ERROR_CODES) as ErrorCode[]) {
      expect(exitCodeForErrorCode(code)).toBeGreaterThan(0);
    }
  });
});

describe("CliError", () => {
  it("defaults to 'operation failed' and usageError to 2", () => {
    expect(new CliError("x").exitCode).toBe(EXIT.failed);
    expect(usageError("bad").exitCode).toBe(EXIT.usage);
  });
});
