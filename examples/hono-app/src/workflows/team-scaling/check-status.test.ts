import { describe, expect, it } from "vitest";
import { checkStatusFor } from "./check-status.js";

describe("checkStatusFor", () => {
  it("is completed only when both tasks are complete", () => {
    expect(checkStatusFor(["complete", "complete"])).toBe("completed");
    expect(checkStatusFor(["complete", "steps_in_process"])).toBe("processing");
    expect(checkStatusFor(["complete", "resolved_manually"])).toBe("completed");
  });

  it("fails as soon as either task fails, whatever the other is doing", () => {
    expect(checkStatusFor(["error", "steps_in_process"])).toBe("failed");
    expect(checkStatusFor(["complete", "error"])).toBe("failed");
    expect(checkStatusFor(["cancelled", "error"])).toBe("failed");
  });

  it("is cancelled when a task was cancelled and none failed", () => {
    expect(checkStatusFor(["cancelled", "complete"])).toBe("cancelled");
  });

  it("is pending without tasks", () => {
    expect(checkStatusFor([])).toBe("pending");
  });
});
