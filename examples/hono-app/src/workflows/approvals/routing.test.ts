import { describe, expect, it } from "vitest";
import { approvalStep, managerDecision } from "./routing.js";

describe("approvalStep", () => {
  it("auto-approves up to and including the limit, and asks a manager above it", () => {
    expect(approvalStep(99.99, 100)).toBe("auto_approve");
    expect(approvalStep(100, 100)).toBe("auto_approve");
    expect(approvalStep(100.01, 100)).toBe("manager_approval");
  });
});

describe("managerDecision", () => {
  it("approves up to the manager's limit and rejects above it", () => {
    expect(managerDecision(5000, 5000)).toBe("approved");
    expect(managerDecision(5000.01, 5000)).toBe("rejected");
  });
});
