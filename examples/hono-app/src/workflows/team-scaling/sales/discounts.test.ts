import { describe, expect, it } from "vitest";
import { applyDiscounts } from "./discounts.js";

const base = { subtotalCents: 100_00, totalUnits: 1, coupon: null, customerTier: null };

describe("applyDiscounts", () => {
  it("gives nothing to a small order without coupon or tier", () => {
    expect(applyDiscounts(base)).toEqual({
      subtotal: 100,
      discounts: [],
      discount_percent: 0,
      discount_total: 0,
      discounted_subtotal: 100,
    });
  });

  it("applies 5% from 10 units, not below", () => {
    expect(applyDiscounts({ ...base, totalUnits: 9 }).discount_total).toBe(0);
    const r = applyDiscounts({ ...base, totalUnits: 10 });
    expect(r.discounts).toEqual([{ kind: "volume", code: "VOLUME_10", percent: 5, amount: 5 }]);
    expect(r.discounted_subtotal).toBe(95);
  });

  it("stacks volume, coupon and tier and the lines add up to the total", () => {
    const r = applyDiscounts({
      subtotalCents: 299_90,
      totalUnits: 10,
      coupon: { code: "SAVE10", percent: 10 },
      customerTier: "gold",
    });
    expect(r.discount_percent).toBe(20);
    expect(r.discount_total).toBe(59.98);
    expect(r.discounts.map((d) => d.code)).toEqual(["VOLUME_10", "SAVE10", "TIER_GOLD"]);
    const sumCents = r.discounts.reduce((s, d) => s + Math.round(d.amount * 100), 0);
    expect(sumCents).toBe(5998);
    expect(r.discounted_subtotal).toBe(239.92);
  });

  it("caps the combined percentage at 25%", () => {
    const r = applyDiscounts({
      ...base,
      totalUnits: 50,
      coupon: { code: "HALF", percent: 50 },
      customerTier: "gold",
    });
    expect(r.discount_percent).toBe(25);
    expect(r.discount_total).toBe(25);
    expect(r.discounts.reduce((s, d) => s + d.amount, 0)).toBeCloseTo(25, 10);
  });

  it("ignores tiers without a discount", () => {
    expect(applyDiscounts({ ...base, customerTier: "standard" }).discounts).toEqual([]);
    expect(applyDiscounts({ ...base, customerTier: "unknown" }).discounts).toEqual([]);
  });
});
