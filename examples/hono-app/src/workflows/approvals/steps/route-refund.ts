// route_refund (a decision): small refunds go to auto_approve, larger ones to manager_approval.
// The branch not chosen is never created; record_outcome waits for the one that is.
import { decide, defineHandler } from "@tasker-ts/tasker";
import { approvalStep } from "../routing.js";
import { RefundContextSchema } from "../schemas.js";

export function routeRefundHandler() {
  return defineHandler(
    "approvals.route_refund",
    { inputs: RefundContextSchema },
    async ({ input, initialization }) => {
      const limit = Number(initialization.auto_approve_limit ?? 100);
      const step = approvalStep(input.amount, limit);
      return decide([step], { amount: input.amount, auto_approve_limit: limit, routed_to: step });
    },
  );
}
