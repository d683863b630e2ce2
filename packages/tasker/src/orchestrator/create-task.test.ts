import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type ParsedTaskRequest, TaskRequestSchema } from "../model/task-request.js";
import { parseTemplateObject } from "../template/load.js";
import { type CreationClaim, hashRequest, planNewTask, stableStringify } from "./create-task.js";

const request = (overrides: Record<string, unknown> = {}): ParsedTaskRequest =>
  TaskRequestSchema.parse({
    name: "order_fulfillment",
    namespace: "ecommerce",
    context: { customer: { id: 7, email: "a@example.com" }, items: [{ sku: "X", qty: 2 }] },
    ...overrides,
  });

/** The same object with its keys, at every level, in reverse insertion order. */
function reverseKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(reverseKeys);
  if (value && typeof value === "object") {
    return Object.fromEntries(
      Object.entries(value)
        .reverse()
        .map(([k, v]) => [k, reverseKeys(v)]),
    );
  }
  return value;
}

describe("stableStringify", () => {
  it("sorts object keys at every level and keeps array order", () => {
    expect(stableStringify({ b: 1, a: { d: [3, { z: 1, y: 2 }], c: null } })).toBe(
      '{"a":{"c":null,"d":[3,{"y":2,"z":1}]},"b":1}',
    );
    expect(stableStringify([2, 1])).not.toBe(stableStringify([1, 2]));
  });

  it("writes scalars as JSON does", () => {
    expect(stableStringify('a"b\n')).toBe(JSON.stringify('a"b\n'));
    expect(stableStringify(1.5)).toBe("1.5");
    expect(stableStringify(true)).toBe("true");
    expect(stableStringify(null)).toBe("null");
    expect(stableStringify(undefined)).toBe("null");
    expect(stableStringify({ 'we"ird': 1 })).toBe('{"we\\"ird":1}');
  });

  it("is the same for any key order (property)", () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        expect(stableStringify(reverseKeys(value))).toBe(stableStringify(value));
      }),
      { numRuns: 500 },
    );
  });

  it("is valid JSON that parses back to the value (property)", () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        expect(JSON.parse(stableStringify(value))).toStrictEqual(JSON.parse(JSON.stringify(value)));
      }),
      { numRuns: 500 },
    );
  });

  it("agrees with what the database stores: undefined fields dropped, dates as ISO strings", () => {
    // The context is stored as JSON, so two requests that store the same JSON must hash the same...
    expect(stableStringify({ a: 1, b: undefined })).toBe(stableStringify({ a: 1 }));
    expect(stableStringify([undefined])).toBe("[null]");
    // ...and two that store different JSON must not.
    const d1 = new Date("2025-01-01T00:00:00.000Z");
    const d2 = new Date("2026-01-01T00:00:00.000Z");
    expect(stableStringify({ at: d1 })).toBe('{"at":"2025-01-01T00:00:00.000Z"}');
    expect(stableStringify({ at: d1 })).not.toBe(stableStringify({ at: d2 }));
  });

  it("matches the stored JSON for any value with undefined fields and dates (property)", () => {
    const withExtras = fc.letrec((tie) => ({
      value: fc.oneof(
        { depthSize: "small" },
        fc.jsonValue({ maxDepth: 1 }),
        fc.constant(undefined),
        fc.date({ noInvalidDate: true }),
        fc.array(tie("value"), { maxLength: 4 }),
        fc.dictionary(fc.string({ maxLength: 4 }), tie("value"), { maxKeys: 4 }),
      ),
    })).value;
    fc.assert(
      fc.property(withExtras, (value) => {
        const stored = JSON.stringify(value) ?? "null";
        expect(stableStringify(value)).toBe(stableStringify(JSON.parse(stored)));
      }),
      { numRuns: 500 },
    );
  });
});

describe("hashRequest", () => {
  it("is a sha256 hex digest", () => {
    expect(hashRequest(request(), "1.0.0")).toMatch(/^[0-9a-f]{64}$/);
  });

  it("does not depend on key order", () => {
    const a = request();
    const b = TaskRequestSchema.parse(reverseKeys({ ...a }));
    expect(hashRequest(b, "1.0.0")).toBe(hashRequest(a, "1.0.0"));
  });

  it("treats an omitted optional field like its default", () => {
    expect(hashRequest(request({ tags: [], priority: 0 }), "1.0.0")).toBe(hashRequest(request(), "1.0.0"));
  });

  it.each([
    ["context", { context: { customer: { id: 8 } } }],
    [
      "context value type",
      { context: { customer: { id: "7", email: "a@example.com" }, items: [{ sku: "X", qty: 2 }] } },
    ],
    ["name", { name: "other_template" }],
    ["namespace", { namespace: "other" }],
    ["initiator", { initiator: "alice" }],
    ["source_system", { source_system: "web" }],
    ["reason", { reason: "because" }],
    ["tags", { tags: ["x"] }],
    ["tag order", { tags: ["b", "a"] }],
    ["priority", { priority: 5 }],
    ["correlation_id", { correlation_id: "c-1" }],
    ["parent_correlation_id", { parent_correlation_id: "p-1" }],
  ])("differs when %s differs", (_field, overrides) => {
    const base = request({ tags: ["a", "b"] });
    const changed = request({ tags: ["a", "b"], ...overrides });
    expect(hashRequest(changed, "1.0.0")).not.toBe(hashRequest(base, "1.0.0"));
  });

  it("differs when the resolved template version differs", () => {
    expect(hashRequest(request(), "1.0.1")).not.toBe(hashRequest(request(), "1.0.0"));
  });

  it("ignores the idempotency key and the requested (unresolved) version", () => {
    const plain = hashRequest(request(), "1.0.0");
    expect(hashRequest(request({ idempotency_key: "k-1" }), "1.0.0")).toBe(plain);
    expect(hashRequest(request({ version: "1.0.0" }), "1.0.0")).toBe(plain);
  });

  it('does not confuse a missing optional field with the string "null"', () => {
    expect(hashRequest(request({ reason: "null" }), "1.0.0")).not.toBe(hashRequest(request(), "1.0.0"));
  });
});

describe("planNewTask", () => {
  const { template } = parseTemplateObject({
    name: "diamond",
    namespace_name: "plans",
    version: "1.0.0",
    steps: [
      { name: "a", handler: { callable: "h.a" } },
      { name: "b", handler: { callable: "h.b" }, dependencies: ["a"] },
      { name: "c", handler: { callable: "h.c" }, dependencies: ["a"] },
      { name: "d", handler: { callable: "h.d" }, dependencies: ["b", "c"] },
    ],
  });
  const choice = { template, guard: { contentHash: "x", versionCount: null } };
  const planned = (claimFor?: CreationClaim) =>
    planNewTask(choice, request({ namespace: "plans", name: "diamond" }), new Date(), claimFor);
  const states = (p: ReturnType<typeof planned>) => p.graph.steps.map((s) => `${s.name}:${s.state}`);

  it("starts every task of a template alike, each with its own uuids, whatever an earlier task claimed", () => {
    const claimFor: CreationClaim = { workerId: "w", leaseSeconds: 30, canRun: () => true };
    const first = planned(claimFor);
    const second = planned();
    const third = planned();
    expect(states(first)).toEqual(["a:in_progress", "b:pending", "c:pending", "d:pending"]);
    for (const p of [second, third]) {
      expect(states(p)).toEqual(["a:enqueued", "b:pending", "c:pending", "d:pending"]);
      expect(p.task.status).toBe(first.task.status);
      expect(p.task.steps_running).toBe(1);
      expect(p.graph.taskTransitions).toEqual(first.graph.taskTransitions);
      expect(p.stepRows.map((s) => s.state)).toEqual(["enqueued", "pending", "pending", "pending"]);
    }
    expect(second.task.status).toBe("steps_in_process");
    expect(second.task.task_uuid).not.toBe(third.task.task_uuid);
    expect(second.graph.steps.every((s) => s.task_uuid === second.task.task_uuid)).toBe(true);
    expect(second.graph.steps[0]!.child_uuids).toEqual(
      second.graph.steps.slice(1, 3).map((s) => s.workflow_step_uuid),
    );
  });
});
