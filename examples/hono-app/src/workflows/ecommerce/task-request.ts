import type { orders } from "../../db/schema.js";
import type { RowTaskRequest } from "../../lib/task-backed-rows.js";
import { NAMESPACE, type OrderTaskContext, TEMPLATE_NAME, TEMPLATE_VERSION } from "./schemas.js";

type OrderRow = typeof orders.$inferSelect;

/** The order_processing task for a stored order; payment details travel only in the task context. */
export function orderTaskRequest(
  order: Pick<OrderRow, "id" | "customer_email" | "items">,
  paymentInfo: OrderTaskContext["payment_info"],
): RowTaskRequest {
  const context: OrderTaskContext = {
    order_id: order.id,
    customer_email: order.customer_email,
    items: order.items,
    payment_info: paymentInfo,
  };
  return {
    namespace: NAMESPACE,
    name: TEMPLATE_NAME,
    version: TEMPLATE_VERSION,
    context,
    initiator: order.customer_email,
    source_system: "hono-app",
    reason: `order #${order.id} placed`,
    tags: ["order", `order:${order.id}`],
  };
}
