import { describe, expect, it } from "vitest";
import { parseTemplate } from "../../template/load.js";
import { taskTemplateScaffoldIssues, taskTemplateSource } from "./task-template-source.js";

const scaffold = {
  name: "order_flow",
  namespace: "ecommerce",
  version: "0.1.0",
  description: "Orders.",
  steps: ["validate", "charge", "ship"],
};

describe("taskTemplateSource", () => {
  it("is a valid template whose steps form a linear chain with namespaced callables", () => {
    const { template, warnings } = parseTemplate(taskTemplateSource(scaffold), "order_flow.yaml");
    expect(warnings).toEqual([]);
    expect(template).toMatchObject({ name: "order_flow", namespace_name: "ecommerce", version: "0.1.0" });
    expect(template.steps.map((s) => [s.name, s.handler.callable, s.dependencies])).toEqual([
      ["validate", "ecommerce.validate", []],
      ["charge", "ecommerce.charge", ["validate"]],
      ["ship", "ecommerce.ship", ["charge"]],
    ]);
  });

  it("writes dependencies as a short flow list", () => {
    expect(taskTemplateSource(scaffold)).toContain("dependencies: [validate]");
  });
});

describe("taskTemplateScaffoldIssues", () => {
  it("is empty for a good request and names the option for each problem", () => {
    expect(taskTemplateScaffoldIssues(scaffold)).toEqual([]);
    const issues = taskTemplateScaffoldIssues({
      ...scaffold,
      name: "OrderFlow",
      namespace: "bad-ns",
      steps: ["ok", "Bad", "ok"],
    });
    expect(issues).toHaveLength(4);
    expect(issues[0]).toMatch(/^--name "OrderFlow"/);
    expect(issues[1]).toMatch(/^--namespace "bad-ns"/);
    expect(issues[2]).toMatch(/^--steps: "Bad"/);
    expect(issues[3]).toMatch(/^--steps: step names must be unique; repeated: ok/);
    expect(taskTemplateScaffoldIssues({ ...scaffold, steps: [] })).toEqual([
      "--steps must name at least one step",
    ]);
  });
});
