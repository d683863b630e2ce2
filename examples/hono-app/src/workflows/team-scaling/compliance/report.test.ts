import { describe, expect, it } from "vitest";
import { screenOrder } from "./compliance-rules.js";
import { buildComplianceReport } from "./report.js";
import { assessTax } from "./tax-rules.js";

describe("buildComplianceReport", () => {
  it("records the decision, the tax and where the audit entry is", () => {
    const verdict = screenOrder([{ sku: "WIDGET-001", quantity: 2, restricted: false }], "DE", new Map());
    const report = buildComplianceReport({
      checkId: 7,
      orderRef: "ORD-7",
      destination: { country: "DE", region: "BE" },
      verdict,
      tax: assessTax("DE", "BE", 59.98),
      auditLogId: 3,
      reviewedAt: new Date("2025-05-01T12:00:00.000Z"),
    });
    expect(report).toEqual({
      check_id: 7,
      order_ref: "ORD-7",
      decision: "approved",
      destination: { country: "DE", region: "BE" },
      screened_skus: ["WIDGET-001"],
      violations: [],
      tax: { jurisdiction: "DE", tax_type: "vat", rate_percent: 19, taxable_value: 59.98, tax_amount: 11.4 },
      audit_log_id: 3,
      reviewed_at: "2025-05-01T12:00:00.000Z",
    });
  });
});
