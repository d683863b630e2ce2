// auto_approve: a refund within the automatic limit is approved without anyone looking at it.
import { defineHandler } from "@tasker-ts/tasker";
import { type Approval, RefundContextSchema } from "../schemas.js";

export function autoApproveHandler() {
  return defineHandler(
    "approvals.auto_approve",
    { inputs: RefundContextSchema },
    async ({ input }): Promise<Approval> => ({
      decision: "approved",
      decided_by: "auto",
      note: `${input.amount.toFixed(2)} is within the automatic approval limit`,
    }),
  );
}
