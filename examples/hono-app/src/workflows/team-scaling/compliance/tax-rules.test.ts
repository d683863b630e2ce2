import { describe, expect, it } from "vitest";
import { assessTax } from "./tax-rules.js";

describe("assessTax", () => {
  it("uses the region rule when there is one", () => {
    expect(assessTax("US", "ca", 100)).toEqual({
      jurisdiction: "US-CA",
      rule: "region",
      tax_type: "sales_tax",
      rate_percent: 7.25,
      taxable_value: 100,
      tax_amount: 7.25,
    });
    expect(assessTax("CA", "ON", 200).tax_amount).toBe(26);
  });

  it("falls back to the country rule for unknown or missing regions", () => {
    expect(assessTax("US", "ZZ", 100)).toMatchObject({
      jurisdiction: "US",
      rule: "country",
      rate_percent: 5,
    });
    expect(assessTax("de", null, 59.98)).toMatchObject({
      jurisdiction: "DE",
      tax_type: "vat",
      rate_percent: 19,
      tax_amount: 11.4,
    });
  });

  it("says when no rule applies instead of inventing a rate", () => {
    expect(assessTax("BR", "SP", 100)).toMatchObject({ rule: "no_rule", rate_percent: 0, tax_amount: 0 });
  });

  it("honours zero-rate states", () => {
    expect(assessTax("US", "OR", 500)).toMatchObject({ rule: "region", tax_type: "none", tax_amount: 0 });
  });

  it("rounds fractional rates to the cent", () => {
    expect(assessTax("CA", "QC", 29.99).tax_amount).toBe(4.49);
  });
});
