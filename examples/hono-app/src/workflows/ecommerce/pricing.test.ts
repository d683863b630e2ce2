import { describe, expect, it } from "vitest";
import { type CatalogEntry, describeCatalogProblem, findCatalogProblems, priceOrder } from "./pricing.js";

const catalog = new Map<string, CatalogEntry>(
  [
    { sku: "WIDGET-001", name: "Widget", price: 29.99, stock: 1000, weight_kg: 0.5 },
    { sku: "GADGET-002", name: "Gadget", price: 49.99, stock: 500, weight_kg: 1.2 },
    { sku: "GIZMO-003", name: "Gizmo", price: 129, stock: 200, weight_kg: 2 },
    { sku: "SCARCE-004", name: "Scarce Part", price: 15, stock: 3, weight_kg: 0.1 },
  ].map((e) => [e.sku, e]),
);

describe("priceOrder", () => {
  it("adds 8.75% tax and 9.99 shipping below 75.00", () => {
    const priced = priceOrder([{ sku: "WIDGET-001", quantity: 2 }], catalog);
    expect(priced).toMatchObject({ subtotal: 59.98, tax: 5.25, shipping: 9.99, total: 75.22, item_count: 2 });
    expect(priced.lines).toEqual([
      {
        sku: "WIDGET-001",
        name: "Widget",
        quantity: 2,
        unit_price: 29.99,
        line_total: 59.98,
        weight_kg: 0.5,
      },
    ]);
  });

  it("ships free from a 75.00 subtotal", () => {
    const atThreshold = priceOrder([{ sku: "SCARCE-004", quantity: 5 }], catalog);
    expect(atThreshold).toMatchObject({ subtotal: 75, tax: 6.56, shipping: 0, total: 81.56 });
    const below = priceOrder(
      [
        { sku: "WIDGET-001", quantity: 1 },
        { sku: "GADGET-002", quantity: 0 },
      ],
      catalog,
    );
    expect(below.shipping).toBe(9.99);
  });

  it("rounds tax half-up to the cent and never drifts on many lines", () => {
    const priced = priceOrder(
      [
        { sku: "WIDGET-001", quantity: 3 },
        { sku: "GADGET-002", quantity: 7 },
        { sku: "GIZMO-003", quantity: 1 },
      ],
      catalog,
    );
    // 89.97 + 349.93 + 129.00 = 568.90; tax 49.77875 -> 49.78
    expect(priced).toMatchObject({ subtotal: 568.9, tax: 49.78, shipping: 0, total: 618.68 });
  });

  it("refuses to price an unknown sku, naming it", () => {
    expect(() => priceOrder([{ sku: "NOPE-999", quantity: 1 }], catalog)).toThrow(/NOPE-999/);
  });
});

describe("findCatalogProblems", () => {
  it("reports unknown skus and short stock, and nothing for a good order", () => {
    expect(findCatalogProblems([{ sku: "WIDGET-001", quantity: 1000 }], catalog)).toEqual([]);
    const problems = findCatalogProblems(
      [
        { sku: "NOPE-999", quantity: 1 },
        { sku: "SCARCE-004", quantity: 4 },
      ],
      catalog,
    );
    expect(problems).toEqual([
      { kind: "unknown_sku", sku: "NOPE-999" },
      { kind: "insufficient_stock", sku: "SCARCE-004", requested: 4, available: 3 },
    ]);
    expect(problems.map(describeCatalogProblem)).toEqual([
      'unknown sku "NOPE-999"; GET /products lists the catalog',
      'insufficient stock for "SCARCE-004": 4 requested, 3 available',
    ]);
  });
});
