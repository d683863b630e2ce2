import { describe, expect, it } from "vitest";
import { isQuoteExpired, quoteExpiry, quoteNumber, quoteTotal } from "./quote.js";

describe("quoteNumber", () => {
  it("pads the check id to six digits and is stable", () => {
    expect(quoteNumber(42)).toBe("QT-000042");
    expect(quoteNumber(42)).toBe(quoteNumber(42));
    expect(quoteNumber(1234567)).toBe("QT-1234567");
  });

  it("rejects ids that cannot be check ids", () => {
    expect(() => quoteNumber(0)).toThrow(/positive integer check id, got 0/);
    expect(() => quoteNumber(1.5)).toThrow(RangeError);
  });
});

describe("quoteExpiry", () => {
  const issued = new Date("2025-01-31T12:00:00.000Z");

  it("defaults to 30 days of validity", () => {
    expect(quoteExpiry(issued).toISOString()).toBe("2025-03-02T12:00:00.000Z");
  });

  it("honours a configured validity and rejects nonsense", () => {
    expect(quoteExpiry(issued, 7).toISOString()).toBe("2025-02-07T12:00:00.000Z");
    expect(() => quoteExpiry(issued, 0)).toThrow(/>= 1, got 0/);
  });

  it("is expired from the expiry instant on", () => {
    const expires = quoteExpiry(issued, 1);
    expect(isQuoteExpired(expires, new Date(expires.getTime() - 1))).toBe(false);
    expect(isQuoteExpired(expires, expires)).toBe(true);
  });
});

describe("quoteTotal", () => {
  it("adds shipping to the discounted subtotal to the cent", () => {
    expect(quoteTotal(239.92, 10.79)).toBe(250.71);
    expect(quoteTotal(0.1, 0.2)).toBe(0.3);
  });
});
