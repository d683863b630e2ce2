// audit_log: one audit_logs row per check (unique dedupe key), however often the step runs.
import { defineHandler } from "@tasker-ts/tasker";
import { eq } from "drizzle-orm";
import { audit_logs } from "../../../../db/schema.js";
import type { AppDeps } from "../../../../lib/deps.js";
import { CheckTaskContextSchema } from "../../schemas.js";
import { TaxAssessmentSchema, VerdictSchema } from "../schemas.js";

export function auditDedupeKey(checkId: number): string {
  return `compliance_check:${checkId}:review`;
}

export function auditLogHandler({ db }: AppDeps) {
  return defineHandler(
    "compliance.audit_log",
    {
      inputs: CheckTaskContextSchema,
      depends: { check_compliance: VerdictSchema, verify_tax_rules: TaxAssessmentSchema },
    },
    async ({ input, dependencyResults, taskUuid, stepName }) => {
      const dedupeKey = auditDedupeKey(input.check_id);
      const tax = dependencyResults.verify_tax_rules;
      await db
        .insert(audit_logs)
        .values({
          dedupe_key: dedupeKey,
          entity_type: "compliance_check",
          entity_id: String(input.check_id),
          action: "compliance_review.approved",
          actor: "compliance_review",
          task_uuid: taskUuid,
          step_name: stepName,
          details: {
            order_ref: input.order_ref,
            destination: input.destination,
            screened_skus: dependencyResults.check_compliance.screened_skus,
            tax_jurisdiction: tax.jurisdiction,
            tax_rate_percent: tax.rate_percent,
            tax_amount: tax.tax_amount,
          },
        })
        .onConflictDoNothing({ target: audit_logs.dedupe_key });
      const [entry] = await db.select().from(audit_logs).where(eq(audit_logs.dedupe_key, dedupeKey)).limit(1);
      return {
        audit_log_id: entry!.id,
        dedupe_key: dedupeKey,
        action: entry!.action,
        recorded_at: entry!.created_at.toISOString(),
      };
    },
  );
}
