// format_response: the answer the caller asked for, shaped by request type.
import type { MergedCustomerView } from "./merge-results.js";
import type { RequestType } from "./schemas.js";

export type CustomerSegment = "new" | "occasional" | "loyal" | "high_value";

export const HIGH_VALUE_SPEND = 1000;
export const LOYAL_ORDER_COUNT = 3;

export function customerSegment(view: MergedCustomerView): CustomerSegment {
  const { order_count, total_spent } = view.order_stats;
  if (order_count === 0) return "new";
  if (total_spent >= HIGH_VALUE_SPEND) return "high_value";
  if (order_count >= LOYAL_ORDER_COUNT) return "loyal";
  return "occasional";
}

export function formatResponse(requestType: RequestType, view: MergedCustomerView) {
  switch (requestType) {
    case "profile_summary":
      return { request_type: requestType, user_id: view.user_id, ...view.profile };
    case "order_summary":
      return {
        request_type: requestType,
        user_id: view.user_id,
        order_count: view.order_stats.order_count,
        total_spent: view.order_stats.total_spent,
        average_order_value: view.order_stats.average_order_value,
        last_order_at: view.order_stats.last_order_at,
        recent_orders: view.recent_orders,
      };
    case "full_report":
      return {
        request_type: requestType,
        user_id: view.user_id,
        profile: view.profile,
        order_stats: view.order_stats,
        recent_orders: view.recent_orders,
        customer_segment: customerSegment(view),
      };
  }
}
export type FormattedResponse = ReturnType<typeof formatResponse>;
