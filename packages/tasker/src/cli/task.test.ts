import { describe, expect, it } from "vitest";
import { TaskRequestSchema } from "../model/task-request.js";
import { buildTaskRequest } from "./task.js";

const base = { namespace: "ecommerce", name: "order_processing", timeout: 60, url: "http://x" };

describe("buildTaskRequest", () => {
  it("turns the options into a valid TaskRequest, leaving unset fields out", () => {
    const request = buildTaskRequest({
      ...base,
      version: "1.0.0",
      context: '{"order_id": 7}',
      tags: ["a", "b"],
      priority: 5,
      idempotencyKey: "k-1",
    });
    expect(request).toEqual({
      namespace: "ecommerce",
      name: "order_processing",
      version: "1.0.0",
      context: { order_id: 7 },
      initiator: "tasker-ctl",
      tags: ["a", "b"],
      priority: 5,
      idempotency_key: "k-1",
    });
    expect(TaskRequestSchema.safeParse(request).success).toBe(true);
  });

  it("defaults the context to {} and rejects a context that is not an object", () => {
    expect(buildTaskRequest(base).context).toEqual({});
    expect(() => buildTaskRequest({ ...base, context: "[1]" })).toThrow(/must be a JSON object/);
    expect(() => buildTaskRequest({ ...base, context: "{}", contextFile: "x.json" })).toThrow(/not both/);
  });
});
