import { describe, expect, it } from "vitest";
import { templateToMermaid } from "./mermaid.js";

const diamond = {
  namespace_name: "microservices",
  name: "user_request",
  version: "1.0.0",
  steps: [
    { name: "validate_request", dependencies: [] },
    { name: "fetch_user_profile", dependencies: ["validate_request"] },
    { name: "fetch_order_history", dependencies: ["validate_request"] },
    { name: "merge_results", dependencies: ["fetch_user_profile", "fetch_order_history"] },
  ],
};

describe("templateToMermaid", () => {
  it("draws nodes and dependency edges", () => {
    expect(templateToMermaid(diamond)).toBe(
      [
        "flowchart TD",
        "  %% microservices/user_request/1.0.0",
        '  validate_request["validate_request"]',
        '  fetch_user_profile["fetch_user_profile"]',
        '  fetch_order_history["fetch_order_history"]',
        '  merge_results["merge_results"]',
        "  validate_request --> fetch_user_profile",
        "  validate_request --> fetch_order_history",
        "  fetch_user_profile --> merge_results",
        "  fetch_order_history --> merge_results",
        "",
      ].join("\n"),
    );
  });

  it("labels and colours nodes by state, one class per state", () => {
    const text = templateToMermaid(diamond, {
      stepStates: {
        validate_request: "complete",
        fetch_user_profile: "in_progress",
        fetch_order_history: "waiting_for_retry",
        merge_results: "pending",
      },
    });
    expect(text).toContain('  validate_request["validate_request<br/><i>complete</i>"]');
    expect(text).toContain('  fetch_order_history["fetch_order_history<br/><i>waiting_for_retry</i>"]');
    expect(text).toContain("  classDef complete fill:#c8e6c9,stroke:#2e7d32,color:#1b5e20");
    expect(text).toContain("  class validate_request complete");
    expect(text).toMatch(/classDef in_progress fill:#bbdefb/);
    expect(text).toMatch(/classDef waiting_for_retry fill:#ffe0b2/);
    expect(text).toMatch(/classDef pending fill:#eeeeee/);
    expect(text).not.toContain("classDef error");
  });

  it("groups steps in the same state and colours errors red", () => {
    const text = templateToMermaid(diamond, {
      stepStates: { fetch_user_profile: "error", fetch_order_history: "error" },
    });
    expect(text).toContain("  classDef error fill:#ffcdd2,stroke:#c62828,color:#b71c1c");
    expect(text).toContain("  class fetch_user_profile,fetch_order_history error");
    // Steps without a known state are drawn plainly.
    expect(text).toContain('  merge_results["merge_results"]');
  });

  it("renames the reserved node id end", () => {
    const text = templateToMermaid({
      steps: [
        { name: "start", dependencies: [] },
        { name: "end", dependencies: ["start"] },
      ],
    });
    expect(text).toContain('  End["end"]');
    expect(text).toContain("  start --> End");
  });

  it("draws decisions as rhombi and possible branches dotted; steps a task did not create as such", () => {
    const approval = {
      steps: [
        { name: "validate", dependencies: [] },
        { name: "route", type: "decision" as const, dependencies: ["validate"] },
        { name: "auto", dependencies: ["route"] },
        { name: "manager", dependencies: ["route"] },
        { name: "finalize", type: "deferred_convergence" as const, dependencies: ["auto", "manager"] },
      ],
    };
    const text = templateToMermaid(approval, {
      stepStates: { validate: "complete", route: "complete", auto: "complete", finalize: "in_progress" },
    });
    expect(text).toContain('  route{"route<br/><i>complete</i>"}');
    expect(text).toContain('  finalize(["finalize<br/><i>in_progress</i>"])');
    expect(text).toContain("  validate --> route");
    expect(text).toContain("  route -.-> auto");
    expect(text).toContain("  manager -.-> finalize");
    expect(text).toContain('  manager["manager<br/><i>not created</i>"]');
    expect(text).toContain("  class manager not_created");
  });
});
