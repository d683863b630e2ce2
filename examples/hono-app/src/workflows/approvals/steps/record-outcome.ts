// record_outcome (a deferred convergence step): created with whichever approval step the decision
// created, it records that approval's answer on the refund row.
import { defineHandler, PermanentError } from "@tasker-ts/tasker";
import { eq } from "drizzle-orm";
import { refunds } from "../../../db/schema.js";
import type { AppDeps } from "../../../lib/deps.js";
import { ApprovalSchema, RefundContextSchema } from "../schemas.js";

export function recordOutcomeHandler({ db }: AppDeps) {
  return defineHandler(
    "approvals.record_outcome",
    { inputs: RefundContextSchema },
    async ({ input, dependencyResults }) => {
      // Exactly one of the two approval steps exists in the task: the branch the decision took.
      const given = ["auto_approve", "manager_approval"].filter((name) => name in dependencyResults);
      if (given.length !== 1) {
        throw new PermanentError(`expected one approval, got ${given.length} (${given.join(", ")})`, {
          code: "approval_missing",
        });
      }
      const approval = ApprovalSchema.parse(dependencyResults[given[0] as string]);
      // Written as a plain UPDATE: running the step again writes the same values.
      const [row] = await db
        .update(refunds)
        .set({
          decision: approval.decision,
          decided_by: approval.decided_by,
          decided_at: new Date(),
          result: { ...approval, approval_step: given[0] },
        })
        .where(eq(refunds.id, input.refund_id))
        .returning({ id: refunds.id });
      if (!row) throw new PermanentError(`refund ${input.refund_id} is gone`, { code: "refund_not_found" });
      return { refund_id: input.refund_id, ...approval };
    },
  );
}
