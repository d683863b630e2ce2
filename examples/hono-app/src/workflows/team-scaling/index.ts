// Workflow 4: team scaling with namespace isolation. One compliance check = two tasks:
//   sales/quote_generation:       receive_order -> validate_items -> calculate_shipping -> apply_discounts -> generate_quote
//   compliance/compliance_review: check_compliance -> verify_tax_rules -> audit_log -> compliance_report
// Each namespace has its own queue; a worker can serve one team only (TASKER_WORKER_NAMESPACES).
import type { WorkflowFactory } from "../index.js";
import { complianceCheckStatusMapper } from "./check-status-mapper.js";
import { complianceHandlers } from "./compliance/steps/index.js";
import { complianceCheckRoutes } from "./routes.js";
import { salesHandlers } from "./sales/steps/index.js";

export const teamScalingWorkflow: WorkflowFactory = (deps) => ({
  name: "team-scaling",
  namespaces: ["sales", "compliance"],
  routes: { "/compliance/checks": complianceCheckRoutes(deps) },
  handlers: [...salesHandlers(deps), ...complianceHandlers(deps)],
  taskStatusMappers: [complianceCheckStatusMapper(deps.tasker)],
});
