import { describe, expect, it } from "vitest";
import { TaskRequestSchema } from "./task-request.js";

const base = { name: "order_fulfillment", namespace: "ecommerce" };
const issuesOf = (input: unknown) => {
  const r = TaskRequestSchema.safeParse(input);
  return r.success ? [] : r.error.issues.map((i) => i.path.join("."));
};

describe("TaskRequestSchema", () => {
  it("fills the defaults of a minimal request", () => {
    expect(TaskRequestSchema.parse(base)).toEqual({ ...base, context: {}, tags: [], priority: 0 });
  });

  it("accepts every documented field", () => {
    const full = {
      ...base,
      version: "1.2.3",
      context: { a: 1 },
      initiator: "alice",
      source_system: "web",
      reason: "test",
      tags: ["x"],
      priority: 5,
      correlation_id: "c",
      parent_correlation_id: "p",
      idempotency_key: "k",
    };
    expect(TaskRequestSchema.parse(full)).toEqual(full);
  });

  it.each([
    ["name", { name: "Order" }],
    ["name", { name: "1order" }],
    ["name", { name: "" }],
    ["namespace", { namespace: "a".repeat(30) }],
    ["namespace", { namespace: "with-dash" }],
    ["namespace", { namespace: "" }],
    ["priority", { priority: 1001 }],
    ["priority", { priority: -1001 }],
    ["priority", { priority: 1.5 }],
    ["tags", { tags: Array.from({ length: 101 }, () => "t") }],
    ["tags.0", { tags: ["x".repeat(256)] }],
    ["idempotency_key", { idempotency_key: "" }],
    ["idempotency_key", { idempotency_key: "k".repeat(256) }],
    ["context", { context: [1, 2] }],
    ["reason", { reason: "r".repeat(1001) }],
  ])("rejects a bad %s", (path, override) => {
    expect(issuesOf({ ...base, ...override })).toContain(path);
  });

  it("accepts the boundary values", () => {
    expect(issuesOf({ ...base, namespace: "a".repeat(29), priority: 1000 })).toEqual([]);
    expect(issuesOf({ ...base, priority: -1000, tags: Array.from({ length: 100 }, () => "t") })).toEqual([]);
    expect(issuesOf({ ...base, idempotency_key: "k".repeat(255) })).toEqual([]);
  });

  it("rejects unknown keys (a typo must not be silently ignored)", () => {
    const r = TaskRequestSchema.safeParse({ ...base, contxt: {} });
    expect(r.success).toBe(false);
    expect(JSON.stringify(r.error?.issues)).toContain("contxt");
  });
});

describe("TaskRequestSchema and text PostgreSQL cannot store", () => {
  it("refuses NUL and unpaired surrogates in every text field, naming it", () => {
    for (const field of ["initiator", "source_system", "reason", "correlation_id", "idempotency_key"]) {
      expect(issuesOf({ ...base, [field]: "a\u0000b" })).toEqual([field]);
      expect(issuesOf({ ...base, [field]: "x\ud800" })).toEqual([field]);
    }
    expect(issuesOf({ ...base, tags: ["ok", "bad\u0000"] })).toEqual(["tags.1"]);
    expect(issuesOf({ ...base, reason: "'; DROP TABLE x; -- 😀" })).toEqual([]);
  });
});
