// Workflow 1: e-commerce order processing (namespace ecommerce, template order_processing 1.0.0)
// validate_inventory -> process_payment -> update_inventory -> send_confirmation -> generate_invoice
import { orders } from "../../db/schema.js";
import { rowStatusMapper } from "../../engine/lifecycle.js";
import { registerTaskIntake } from "../../lib/task-intake.js";
import type { WorkflowFactory } from "../index.js";
import { orderRoutes } from "./routes.js";
import { NAMESPACE, type OrderTaskContext } from "./schemas.js";
import { ecommerceHandlers } from "./steps/index.js";
import { orderTaskRequest } from "./task-request.js";

export const ecommerceWorkflow: WorkflowFactory = (deps) => ({
  name: "ecommerce",
  namespaces: [NAMESPACE],
  routes: { "/orders": orderRoutes(deps) },
  handlers: ecommerceHandlers(deps),
  taskStatusMappers: [rowStatusMapper(orders, [NAMESPACE])],
  registerJobs: () =>
    // POST /orders/async: the queued order's task is created by this job.
    registerTaskIntake<typeof orders.$inferSelect, OrderTaskContext["payment_info"]>(
      deps,
      orders,
      (row, payment) => orderTaskRequest(row, payment),
    ),
});
