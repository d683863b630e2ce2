import { describe, expect, it } from "vitest";
import { batchPath, MAX_BATCH_TASKS, parseTaskBatch } from "./task-batch.js";

const T = { name: "order_flow", namespace: "shop" };

describe("parseTaskBatch", () => {
  it("applies each request's defaults", () => {
    expect(parseTaskBatch([T, { ...T, priority: 3 }]).map((r) => r.priority)).toEqual([0, 3]);
  });

  it("names every wrong field by index, and accepts nothing when one is wrong", () => {
    let err: unknown;
    try {
      parseTaskBatch([T, { ...T, priority: "high" }, { ...T, tags: [1] }, { name: "x" }]);
    } catch (e) {
      err = e;
    }
    expect(err).toMatchObject({ code: "BAD_REQUEST" });
    const paths = (err as { details: { issues: { path: string }[] } }).details.issues.map((i) => i.path);
    expect(paths).toEqual(["tasks[1].priority", "tasks[2].tags[0]", "tasks[3].namespace"]);
    expect((err as Error).message).toContain("tasks[1].priority");
  });

  it("refuses a key repeated within the batch, naming the repeat", () => {
    expect(() => parseTaskBatch([{ ...T, idempotency_key: "k" }, T, { ...T, idempotency_key: "k" }])).toThrow(
      /tasks\[2\]\.idempotency_key: repeats the idempotency_key of tasks\[0\]/,
    );
  });

  it("refuses an empty batch (400) and one over the limit (413)", () => {
    expect(() => parseTaskBatch([])).toThrow(expect.objectContaining({ code: "BAD_REQUEST" }));
    expect(() => parseTaskBatch(Array(MAX_BATCH_TASKS + 1).fill(T))).toThrow(
      expect.objectContaining({ code: "PAYLOAD_TOO_LARGE" }),
    );
    expect(parseTaskBatch(Array(MAX_BATCH_TASKS).fill(T))).toHaveLength(MAX_BATCH_TASKS);
  });

  it("checks each context's limits", () => {
    expect(() => parseTaskBatch([T, { ...T, context: { s: "x".repeat(20_000) } }])).toThrow(
      /tasks\[1\]\.context\.s/,
    );
  });
});

describe("batchPath", () => {
  it("writes indexes in brackets", () => {
    expect(batchPath(["tasks", 3, "context", "x"])).toBe("tasks[3].context.x");
    expect(batchPath(["tasks"])).toBe("tasks");
  });
});
