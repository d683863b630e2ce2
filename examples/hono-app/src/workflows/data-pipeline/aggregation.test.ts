import { describe, expect, it } from "vitest";
import { aggregate } from "./aggregation.js";

describe("aggregate", () => {
  it("totals by region and product without floating-point drift", () => {
    const rows = [
      { region: "west", product: "B", quantity: 1, amount: 0.1 },
      { region: "east", product: "A", quantity: 2, amount: 0.2 },
      { region: "west", product: "A", quantity: 3, amount: 0.7 },
    ];
    expect(aggregate(rows)).toEqual({
      totals: { rows: 3, quantity: 6, amount: 1 },
      by_region: { east: { rows: 1, quantity: 2, amount: 0.2 }, west: { rows: 2, quantity: 4, amount: 0.8 } },
      by_product: { A: { rows: 2, quantity: 5, amount: 0.9 }, B: { rows: 1, quantity: 1, amount: 0.1 } },
    });
    expect(Object.keys(aggregate(rows).by_region)).toEqual(["east", "west"]);
  });

  it("returns zeros for no rows", () => {
    expect(aggregate([])).toEqual({
      totals: { rows: 0, quantity: 0, amount: 0 },
      by_region: {},
      by_product: {},
    });
  });
});
