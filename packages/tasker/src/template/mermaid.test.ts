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

const approval = {
  steps: [
    { name: "validate", dependencies: [] },
    { name: "route", type: "decision" as const, dependencies: ["validate"] },
    { name: "auto", dependencies: ["route"] },
    { name: "manager", dependencies: ["route"] },
    { name: "finalize", type: "deferred_convergence" as const, dependencies: ["auto", "manager"] },
  ],
};

const batches = {
  steps: [
    { name: "split", type: "batchable" as const, dependencies: [] },
    { name: "import_rows", type: "batch_worker" as const, dependencies: ["split"] },
    { name: "total", type: "deferred_convergence" as const, dependencies: ["import_rows"] },
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
    const text = templateToMermaid(approval, {
      stepStates: { validate: "complete", route: "complete", auto: "complete", finalize: "in_progress" },
    });
    expect(text).toContain('  route{"route<br/><i>complete</i>"}');
    expect(text).toContain('  finalize(["finalize<br/><i>in_progress</i>"])');
    expect(text).toContain("  validate --> route");
    expect(text).toContain("  route -.-> auto");
    expect(text).toContain("  manager -.-> finalize");
    expect(text).toContain('  manager["manager<br/><i>not taken</i>"]');
    expect(text).toContain("  class manager not_taken");
    expect(text).toMatch(/classDef not_taken .*stroke-dasharray/);
  });

  it("tells a branch whose decision has not decided from one not taken", () => {
    const text = templateToMermaid(approval, {
      stepStates: { validate: "complete", route: "in_progress" },
    });
    expect(text).toContain('  auto["auto<br/><i>not created yet</i>"]');
    expect(text).toContain("  class auto,manager,finalize not_yet_created");
    expect(text).not.toContain("class auto,manager,finalize not_taken");
  });

  it("draws a batch worker as one node for its N instances, counting a task's instances by state", () => {
    const plain = templateToMermaid(batches);
    expect(plain).toContain('  split[["split"]]');
    expect(plain).toContain('  import_rows[/"import_rows<br/><i>N instances</i>"/]');
    expect(plain).toContain("  split -.-> import_rows");
    expect(plain).toContain("  import_rows -.-> total");

    const live = templateToMermaid(batches, {
      stepStates: {
        split: "complete",
        import_rows_001: "complete",
        import_rows_002: "complete",
        import_rows_003: "in_progress",
      },
    });
    expect(live).toContain(
      '  import_rows[/"import_rows<br/><i>3 instances: 1 in_progress, 2 complete</i>"/]',
    );
    expect(live).toContain("  class import_rows in_progress");
    // The instances are counted on the worker's node, not drawn one by one.
    expect(live).not.toContain("import_rows_001");
  });

  it("draws a batchable step that planned no batches with its worker not taken", () => {
    const text = templateToMermaid(batches, { stepStates: { split: "complete" } });
    expect(text).toContain("  class import_rows,total not_taken");
  });

  it("adds a legend for the run-time shapes a template uses, and none to a plain template", () => {
    const text = templateToMermaid(approval);
    expect(text).toContain('  subgraph Legend["Legend"]');
    expect(text).toContain('    LegendDecision{"decision: creates the branches it chooses"}');
    expect(text).toContain('LegendConvergence(["deferred convergence');
    expect(text).toContain('-. "possible branch" .->');
    expect(text).not.toContain("LegendWorker");
    expect(text).not.toContain("LegendNotTaken");
    expect(templateToMermaid(batches, { stepStates: {} })).toContain('LegendNotTaken["not taken"]');
    expect(templateToMermaid(diamond)).not.toContain("Legend");
  });
});
