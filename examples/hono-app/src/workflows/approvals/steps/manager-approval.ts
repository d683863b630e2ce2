// manager_approval: a larger refund needs a manager. The manager is simulated by a rule: they
// approve up to their limit (template initialization `approval_limit`) and reject above it.
import { defineHandler } from "@tasker-ts/tasker";
import { managerDecision } from "../routing.js";
import { type Approval, RefundContextSchema } from "../schemas.js";

export function managerApprovalHandler() {
  return defineHandler(
    "approvals.manager_approval",
    { inputs: RefundContextSchema },
    async ({ input, initialization }): Promise<Approval> => {
      const limit = Number(initialization.approval_limit ?? 5000);
      const decision = managerDecision(input.amount, limit);
      return {
        decision,
        decided_by: "manager",
        note:
          decision === "approved"
            ? `approved by the manager (limit ${limit.toFixed(2)})`
            : `${input.amount.toFixed(2)} is above the manager's limit of ${limit.toFixed(2)}`,
      };
    },
  );
}
