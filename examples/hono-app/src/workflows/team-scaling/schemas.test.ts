import { describe, expect, it } from "vitest";
import { CreateComplianceCheckSchema, taskContextFor } from "./schemas.js";

const valid = {
  order_ref: "ORD-1",
  items: [{ sku: "WIDGET-001", quantity: 2 }],
  destination: { country: "us", region: "CA" },
};

describe("CreateComplianceCheckSchema", () => {
  it("accepts a minimal body and normalizes country and coupon case", () => {
    const parsed = CreateComplianceCheckSchema.parse({ ...valid, coupon_code: "save10" });
    expect(parsed.destination.country).toBe("US");
    expect(parsed.coupon_code).toBe("SAVE10");
  });

  it.each([
    [{ ...valid, items: [] }, "items"],
    [{ ...valid, items: [{ sku: "X", quantity: 0 }] }, "items.0.quantity"],
    [{ ...valid, destination: { country: "USA" } }, "destination.country"],
    [{ ...valid, namespace: "not a namespace" }, "namespace"],
    [{ ...valid, order_ref: "" }, "order_ref"],
    [{ ...valid, surprise: 1 }, ""],
  ])("rejects %j at path %s", (body, path) => {
    const result = CreateComplianceCheckSchema.safeParse(body);
    expect(result.success).toBe(false);
    expect(result.error!.issues.map((i) => i.path.join("."))).toContain(path);
  });
});

describe("taskContextFor", () => {
  it("carries the check id and leaves out absent optionals", () => {
    const ctx = taskContextFor(7, CreateComplianceCheckSchema.parse(valid));
    expect(ctx).toEqual({
      check_id: 7,
      order_ref: "ORD-1",
      items: [{ sku: "WIDGET-001", quantity: 2 }],
      destination: { country: "US", region: "CA" },
    });
  });
});
