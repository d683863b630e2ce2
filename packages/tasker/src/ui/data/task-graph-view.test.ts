import { describe, expect, it } from "vitest";
import type { StepResponse } from "../../model/task-response.js";
import { taskGraph } from "./task-graph-view.js";

const step = (name: string, current_state = "complete") =>
  ({ name, current_state, workflow_step_uuid: `uuid-${name}` }) as StepResponse;

const approval = [
  { name: "validate", dependencies: [] },
  { name: "route", type: "decision" as const, dependencies: ["validate"] },
  { name: "auto", dependencies: ["route"] },
  { name: "manager", dependencies: ["route"] },
  { name: "finalize", type: "deferred_convergence" as const, dependencies: ["auto", "manager"] },
];

const batches = [
  { name: "plan", type: "batchable" as const, dependencies: [] },
  { name: "import_rows", type: "batch_worker" as const, dependencies: ["plan"] },
  { name: "total", type: "deferred_convergence" as const, dependencies: ["import_rows"] },
];

const summary = (g: ReturnType<typeof taskGraph>) => ({
  nodes: g.nodes.map((n) => `${n.kind}:${n.id}${n.kind === "absent" ? `:${n.presence}` : ""}`),
  edges: g.edges.map((e) => `${e.from}${e.possible ? " -.-> " : " --> "}${e.to}`),
});

describe("taskGraph", () => {
  it("adds the branch a decision did not take, faded, with the template's edges to and from it", () => {
    const g = taskGraph(
      [step("validate"), step("route"), step("auto"), step("finalize", "pending")],
      [
        { from: "validate", to: "route" },
        { from: "route", to: "auto" },
        { from: "auto", to: "finalize" },
      ],
      approval,
    );
    expect(summary(g)).toEqual({
      nodes: ["step:validate", "step:route", "step:auto", "step:finalize", "absent:manager:not_taken"],
      edges: [
        "validate --> route",
        "route -.-> auto",
        "auto -.-> finalize",
        "route -.-> manager",
        "manager -.-> finalize",
      ],
    });
  });

  it("shows the branches of an undecided decision as not created yet", () => {
    const g = taskGraph(
      [step("validate"), step("route", "in_progress")],
      [{ from: "validate", to: "route" }],
      approval,
    );
    expect(summary(g).nodes).toEqual([
      "step:validate",
      "step:route",
      "absent:auto:not_yet_created",
      "absent:manager:not_yet_created",
      "absent:finalize:not_yet_created",
    ]);
  });

  it("draws up to 12 batch instances one by one, and more as one node with one edge each way", () => {
    const run = (n: number) => {
      const instances = Array.from({ length: n }, (_, i) =>
        step(`import_rows_${i + 1}`, i === 0 ? "error" : "complete"),
      );
      return taskGraph(
        [step("plan"), ...instances, step("total", "pending")],
        instances.flatMap((i) => [
          { from: "plan", to: i.name },
          { from: i.name, to: "total" },
        ]),
        batches,
      );
    };
    const few = run(12);
    expect(few.nodes.filter((n) => n.kind === "step")).toHaveLength(14);
    expect(few.groups.size).toBe(0);
    expect(few.edges.every((e) => e.possible)).toBe(true);

    const many = run(1000);
    expect(summary(many)).toEqual({
      nodes: ["step:plan", "step:total", "batch:import_rows"],
      edges: ["plan -.-> import_rows", "import_rows -.-> total"],
    });
    expect(many.groups.get("import_rows")).toHaveLength(1000);
  });

  it("gives a plain template's task its own steps and edges", () => {
    const g = taskGraph(
      [step("a"), step("b")],
      [{ from: "a", to: "b" }],
      [
        { name: "a", dependencies: [] },
        { name: "b", dependencies: ["a"] },
      ],
    );
    expect(summary(g)).toEqual({ nodes: ["step:a", "step:b"], edges: ["a --> b"] });
    expect(summary(taskGraph([step("a")], [], undefined)).nodes).toEqual(["step:a"]);
  });
});
