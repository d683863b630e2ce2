import { describe, expect, it } from "vitest";
import { normalizeOrderLines } from "./order-lines.js";

describe("normalizeOrderLines", () => {
  it("merges repeated skus and counts units", () => {
    expect(
      normalizeOrderLines([
        { sku: "WIDGET-001", quantity: 2 },
        { sku: "GADGET-002", quantity: 1 },
        { sku: "widget-001 ", quantity: 8 },
      ]),
    ).toEqual({
      lines: [
        { sku: "WIDGET-001", quantity: 10 },
        { sku: "GADGET-002", quantity: 1 },
      ],
      total_units: 11,
    });
  });
});
