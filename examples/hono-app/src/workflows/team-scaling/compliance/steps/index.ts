import type { StepHandler } from "@tasker-ts/tasker";
import type { AppDeps } from "../../../../lib/deps.js";
import { auditLogHandler } from "./audit-log.js";
import { checkComplianceHandler } from "./check-compliance.js";
import { complianceReportHandler } from "./compliance-report.js";
import { verifyTaxRulesHandler } from "./verify-tax-rules.js";

/** Team B's handlers (namespace `compliance`, templates/compliance/compliance_review.yaml). */
export function complianceHandlers(deps: AppDeps): StepHandler[] {
  return [
    checkComplianceHandler(deps),
    verifyTaxRulesHandler(deps),
    auditLogHandler(deps),
    complianceReportHandler(deps),
  ];
}
