import { describe, expect, it } from "vitest";
import { ancestorsOf, type DagStep, rootSteps, topologicalOrder, validateDag } from "./dag.js";

const step = (name: string, ...dependencies: string[]): DagStep => ({ name, dependencies });

const diamond = [
  step("validate_request"),
  step("fetch_user_profile", "validate_request"),
  step("fetch_order_history", "validate_request"),
  step("merge_results", "fetch_user_profile", "fetch_order_history"),
  step("format_response", "merge_results"),
];

describe("validateDag", () => {
  it("accepts a valid diamond", () => {
    expect(validateDag({ steps: diamond })).toEqual([]);
  });

  it("reports a duplicate step name once, with its positions", () => {
    const issues = validateDag({ steps: [step("a"), step("b"), step("a", "b")] });
    expect(issues).toEqual([
      {
        step: "a",
        key: "name",
        message: expect.stringContaining("duplicate step name (steps #1 and #3 use it)"),
      },
    ]);
  });

  it("reports an unknown dependency with a suggestion", () => {
    const issues = validateDag({
      steps: [step("validate_inventory"), step("process_payment", "validate_inventroy")],
    });
    expect(issues).toEqual([
      {
        step: "process_payment",
        key: "dependencies",
        message: 'unknown step "validate_inventroy" (did you mean "validate_inventory"?)',
      },
    ]);
  });

  it("lists the known steps when no name is close", () => {
    const [issue] = validateDag({ steps: [step("a_step"), step("b_step", "zzzzzzzzzz")] });
    expect(issue?.message).toBe('unknown step "zzzzzzzzzz"; known steps: a_step');
  });

  it("reports a self-dependency (and not as a cycle)", () => {
    expect(validateDag({ steps: [step("a", "a")] })).toEqual([
      {
        step: "a",
        key: "dependencies",
        message: 'a step cannot depend on itself; remove "a" from its dependencies',
      },
    ]);
  });

  it("prints a cycle in execution order, starting at the earliest declared step", () => {
    // c depends on b, b depends on a, a depends on c: a runs before b, b before c, c before a.
    const issues = validateDag({
      steps: [step("start"), step("a", "start", "c"), step("b", "a"), step("c", "b")],
    });
    expect(issues).toEqual([
      {
        step: "a",
        key: "dependencies",
        message: "dependency cycle: a -> b -> c -> a; remove one of these dependencies",
      },
    ]);
  });

  it("prints a two-step cycle and reports separate cycles separately", () => {
    const issues = validateDag({ steps: [step("a", "b"), step("b", "a"), step("x", "y"), step("y", "x")] });
    expect(issues.map((i) => i.message)).toEqual([
      "dependency cycle: a -> b -> a; remove one of these dependencies",
      "dependency cycle: x -> y -> x; remove one of these dependencies",
    ]);
  });
});

describe("topologicalOrder", () => {
  it("puts dependencies first and keeps declaration order for ties", () => {
    const shuffled = [diamond[4]!, diamond[3]!, diamond[2]!, diamond[1]!, diamond[0]!];
    expect(topologicalOrder(shuffled).map((s) => s.name)).toEqual([
      "validate_request",
      "fetch_order_history",
      "fetch_user_profile",
      "merge_results",
      "format_response",
    ]);
  });

  it("throws on a cycle", () => {
    expect(() => topologicalOrder([step("a", "b"), step("b", "a")])).toThrow(/steps a, b cannot be ordered/);
  });
});

describe("ancestorsOf", () => {
  it("collects every transitive ancestor, in topological order", () => {
    const ancestors = ancestorsOf(diamond);
    expect([...ancestors.get("validate_request")!]).toEqual([]);
    expect([...ancestors.get("merge_results")!]).toEqual([
      "validate_request",
      "fetch_user_profile",
      "fetch_order_history",
    ]);
    expect([...ancestors.get("format_response")!]).toEqual([
      "validate_request",
      "fetch_user_profile",
      "fetch_order_history",
      "merge_results",
    ]);
  });
});

describe("rootSteps", () => {
  it("returns the steps without dependencies", () => {
    expect(rootSteps([step("a"), step("b", "a"), step("c")]).map((s) => s.name)).toEqual(["a", "c"]);
  });
});
