import { describe, expect, it } from "vitest";
import { CliError, EXIT } from "./exit-codes.js";
import { isUuid, taskUuidArg } from "./step-ref.js";
import { taskSucceeded } from "./wait-for-task.js";

describe("task and step references", () => {
  it("recognises UUIDs and rejects anything else as a usage error", () => {
    expect(isUuid("0190a5a0-0000-7000-8000-000000000001")).toBe(true);
    expect(isUuid("validate_cart")).toBe(false);
    expect(taskUuidArg("0190A5A0-0000-7000-8000-000000000001")).toBe("0190A5A0-0000-7000-8000-000000000001");
    try {
      taskUuidArg("nope");
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(CliError);
      expect((err as CliError).exitCode).toBe(EXIT.usage);
      expect((err as CliError).message).toContain("tasker-ctl task list");
    }
  });

  it("treats complete and resolved_manually as success, everything else as failure", () => {
    expect(taskSucceeded({ status: "complete" })).toBe(true);
    expect(taskSucceeded({ status: "resolved_manually" })).toBe(true);
    expect(taskSucceeded({ status: "error" })).toBe(false);
    expect(taskSucceeded({ status: "cancelled" })).toBe(false);
  });
});
