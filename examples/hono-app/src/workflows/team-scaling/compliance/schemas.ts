// The result shapes later compliance steps read from earlier ones (validated on read).
import { z } from "zod";
import type { ComplianceVerdict } from "./compliance-rules.js";
import type { TaxAssessment } from "./tax-rules.js";

export const VerdictSchema = z.custom<ComplianceVerdict>(
  (v) => typeof v === "object" && v !== null && "approved" in v && "violations" in v,
  "check_compliance must return a verdict",
);
export const TaxAssessmentSchema = z.custom<TaxAssessment>(
  (v) => typeof v === "object" && v !== null && "rate_percent" in v && "tax_amount" in v,
  "verify_tax_rules must return a tax assessment",
);
export const AuditEntrySchema = z.object({
  audit_log_id: z.number().int(),
  dedupe_key: z.string(),
  recorded_at: z.string(),
});
