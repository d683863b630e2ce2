import { describe, expect, it } from "vitest";
import { assembleCtes } from "./step-transition-rows.js";

describe("assembleCtes", () => {
  it("keeps the parts' CTEs in order and inserts all their transition rows with one statement, in order", () => {
    const ctes = assembleCtes([
      { ctes: ["a AS (SELECT 1)"], stepTransitions: ["SELECT 'a1'", "SELECT 'a2'"] },
      { ctes: ["b AS (SELECT 2)"], stepTransitions: ["SELECT 'b1'"] },
    ]);
    expect(ctes.slice(0, 2)).toEqual(["a AS (SELECT 1)", "b AS (SELECT 2)"]);
    expect(ctes).toHaveLength(3);
    const insert = ctes[2] as string;
    expect(insert).toMatch(/^step_tr AS \(\s+INSERT INTO tasker\.workflow_step_transitions/);
    expect(insert.indexOf("'a1'")).toBeLessThan(insert.indexOf("'a2'"));
    expect(insert.indexOf("'a2'")).toBeLessThan(insert.indexOf("'b1'"));
    expect(insert.match(/UNION ALL/g)).toHaveLength(2);
  });

  it("adds no insert when no part writes a transition", () => {
    expect(assembleCtes([{ ctes: ["a AS (SELECT 1)"], stepTransitions: [] }])).toEqual(["a AS (SELECT 1)"]);
  });
});
