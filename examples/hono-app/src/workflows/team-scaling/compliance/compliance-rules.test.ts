import { describe, expect, it } from "vitest";
import { describeViolations, screenOrder } from "./compliance-rules.js";

const widget = { sku: "WIDGET-001", quantity: 2, restricted: false };
const embargoes = new Map([
  ["KP", "comprehensive embargo (North Korea)"],
  ["IR", "comprehensive embargo (Iran)"],
]);

describe("screenOrder", () => {
  it("approves ordinary items to an ordinary destination", () => {
    expect(screenOrder([widget], "us", embargoes)).toEqual({
      approved: true,
      destination_country: "US",
      screened_skus: ["WIDGET-001"],
      violations: [],
    });
  });

  it.each(["KP", "IR", "ir"])("rejects the embargoed destination %s with the reason", (country) => {
    const verdict = screenOrder([widget], country, embargoes);
    expect(verdict.approved).toBe(false);
    expect(verdict.violations).toEqual([
      expect.objectContaining({ code: "embargoed_destination", subject: country.toUpperCase() }),
    ]);
    expect(verdict.violations[0]!.reason).toMatch(/under embargo/);
  });

  it("rejects restricted and unknown skus, naming each", () => {
    const verdict = screenOrder(
      [
        widget,
        { sku: "RESTRICTED-005", quantity: 1, restricted: true },
        { sku: "NOPE-1", quantity: 1, restricted: null },
      ],
      "DE",
      embargoes,
    );
    expect(verdict.approved).toBe(false);
    expect(verdict.violations.map((v) => [v.code, v.subject])).toEqual([
      ["restricted_item", "RESTRICTED-005"],
      ["unknown_item", "NOPE-1"],
    ]);
  });

  it("reports every violation at once", () => {
    const verdict = screenOrder([{ sku: "RESTRICTED-005", quantity: 1, restricted: true }], "KP", embargoes);
    const message = describeViolations(verdict.violations);
    expect(message).toMatch(/^compliance check failed: /);
    expect(message).toContain("KP is under embargo (comprehensive embargo (North Korea))");
    expect(message).toContain("RESTRICTED-005 is export-controlled");
  });
});
