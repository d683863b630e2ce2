// compliance_report: what the compliance team signs off, saved on the check.
import type { ComplianceVerdict } from "./compliance-rules.js";
import type { TaxAssessment } from "./tax-rules.js";

export interface ComplianceReportInput {
  checkId: number;
  orderRef: string;
  destination: { country: string; region?: string | undefined };
  verdict: ComplianceVerdict;
  tax: TaxAssessment;
  auditLogId: number;
  reviewedAt: Date;
}

export function buildComplianceReport(input: ComplianceReportInput) {
  return {
    check_id: input.checkId,
    order_ref: input.orderRef,
    decision: input.verdict.approved ? ("approved" as const) : ("rejected" as const),
    destination: input.destination,
    screened_skus: input.verdict.screened_skus,
    violations: input.verdict.violations,
    tax: {
      jurisdiction: input.tax.jurisdiction,
      tax_type: input.tax.tax_type,
      rate_percent: input.tax.rate_percent,
      taxable_value: input.tax.taxable_value,
      tax_amount: input.tax.tax_amount,
    },
    audit_log_id: input.auditLogId,
    reviewed_at: input.reviewedAt.toISOString(),
  };
}
export type ComplianceReport = ReturnType<typeof buildComplianceReport>;
