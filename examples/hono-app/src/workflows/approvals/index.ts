// Workflow 5: refund approval routing (a decision and a deferred convergence), namespace `approvals`.
// validate_refund -> route_refund (decision) -> auto_approve | manager_approval -> record_outcome

import { refunds } from "../../db/schema.js";
import { rowStatusMapper } from "../../engine/lifecycle.js";
import type { WorkflowFactory } from "../index.js";
import { refundRoutes } from "./routes.js";
import { approvalsHandlers } from "./steps/index.js";

export const approvalsWorkflow: WorkflowFactory = (deps) => ({
  name: "approvals",
  namespaces: ["approvals"],
  routes: { "/refunds": refundRoutes(deps) },
  handlers: approvalsHandlers(deps),
  taskStatusMappers: [rowStatusMapper(refunds, ["approvals"])],
});
