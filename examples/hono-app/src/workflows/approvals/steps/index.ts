import type { StepHandler } from "@tasker-ts/tasker";
import type { AppDeps } from "../../../lib/deps.js";
import { autoApproveHandler } from "./auto-approve.js";
import { managerApprovalHandler } from "./manager-approval.js";
import { recordOutcomeHandler } from "./record-outcome.js";
import { routeRefundHandler } from "./route-refund.js";
import { validateRefundHandler } from "./validate-refund.js";

/** The handlers of templates/approvals/refund_approval.yaml, one per step. */
export function approvalsHandlers(deps: AppDeps): StepHandler[] {
  return [
    validateRefundHandler(deps),
    routeRefundHandler(),
    autoApproveHandler(),
    managerApprovalHandler(),
    recordOutcomeHandler(deps),
  ];
}
