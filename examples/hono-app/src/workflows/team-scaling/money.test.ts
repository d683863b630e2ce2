import { describe, expect, it } from "vitest";
import { fromCents, percentOf, toCents } from "./money.js";

describe("money", () => {
  it("converts decimal strings and numbers to cents without float drift", () => {
    expect(toCents("29.99")).toBe(2999);
    expect(toCents(0.1 + 0.2)).toBe(30);
    expect(toCents("1234.5")).toBe(123450);
  });

  it("rejects values that are not money", () => {
    expect(() => toCents("abc")).toThrow(/not an amount of money: "abc"/);
    expect(() => toCents(Number.NaN)).toThrow(/not an amount/);
  });

  it("rounds percentages to the cent", () => {
    expect(percentOf(2999, 10)).toBe(300);
    expect(percentOf(1005, 5)).toBe(50);
    expect(fromCents(123450)).toBe(1234.5);
  });
});
