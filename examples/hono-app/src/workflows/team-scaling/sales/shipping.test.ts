import { describe, expect, it } from "vitest";
import { calculateShipping, zoneFor } from "./shipping.js";

describe("zoneFor", () => {
  it("maps countries to zones, case-insensitively, with international as the fallback", () => {
    expect(zoneFor("US")).toBe("domestic");
    expect(zoneFor("ca")).toBe("north_america");
    expect(zoneFor("DE")).toBe("europe");
    expect(zoneFor("JP")).toBe("international");
  });
});

describe("calculateShipping", () => {
  it("prices total weight with the zone's rate card", () => {
    // 4 x 0.5 kg + 1 x 1.2 kg = 3.2 kg; domestic: 5.99 + 3.2 x 1.50 = 10.79
    const quote = calculateShipping(
      [
        { sku: "WIDGET-001", quantity: 4, weight_kg: 0.5 },
        { sku: "GADGET-002", quantity: 1, weight_kg: 1.2 },
      ],
      "US",
    );
    expect(quote).toEqual({
      zone: "domestic",
      total_weight_kg: 3.2,
      base_cost: 5.99,
      weight_cost: 4.8,
      shipping_cost: 10.79,
    });
  });

  it("charges more for farther zones for the same parcel", () => {
    const lines = [{ sku: "GIZMO-003", quantity: 2, weight_kg: 2 }];
    const costs = ["US", "CA", "FR", "JP"].map((c) => calculateShipping(lines, c).shipping_cost);
    expect(costs).toEqual([11.99, 24.99, 37.99, 57.99]);
  });

  it("sums weights without float drift", () => {
    const quote = calculateShipping([{ sku: "SCARCE-004", quantity: 3, weight_kg: 0.1 }], "US");
    expect(quote.total_weight_kg).toBe(0.3);
    expect(quote.shipping_cost).toBe(6.44);
  });
});
