// compliance_report: the signed-off review, saved on the check under result.compliance.
import { defineHandler, PermanentError } from "@tasker-ts/tasker";
import type { AppDeps } from "../../../../lib/deps.js";
import { mergeCheckResult } from "../../check-result.js";
import { CheckTaskContextSchema } from "../../schemas.js";
import { buildComplianceReport } from "../report.js";
import { AuditEntrySchema, TaxAssessmentSchema, VerdictSchema } from "../schemas.js";

export function complianceReportHandler({ db }: AppDeps) {
  return defineHandler(
    "compliance.compliance_report",
    {
      inputs: CheckTaskContextSchema,
      depends: {
        check_compliance: VerdictSchema,
        verify_tax_rules: TaxAssessmentSchema,
        audit_log: AuditEntrySchema,
      },
    },
    async ({ input, dependencyResults }) => {
      const report = buildComplianceReport({
        checkId: input.check_id,
        orderRef: input.order_ref,
        destination: input.destination,
        verdict: dependencyResults.check_compliance,
        tax: dependencyResults.verify_tax_rules,
        auditLogId: dependencyResults.audit_log.audit_log_id,
        // The audit entry's time, so a retried step writes the same report.
        reviewedAt: new Date(dependencyResults.audit_log.recorded_at),
      });
      if (!(await mergeCheckResult(db, input.check_id, "compliance", report))) {
        throw new PermanentError(
          `compliance check ${input.check_id} disappeared before its report was saved`,
          {
            code: "check_not_found",
          },
        );
      }
      return report;
    },
  );
}
