// merge_results: one view of the customer from the two downstream services.
import type { OrderHistory, UserProfile } from "../../services/contracts.js";
import { computeOrderStats, type OrderStats } from "./order-stats.js";

export const RECENT_ORDER_LIMIT = 5;

export interface RecentOrder {
  id: number;
  total: number;
  status: string;
  created_at: string;
}

export interface MergedCustomerView {
  user_id: string;
  profile: Omit<UserProfile, "user_id">;
  order_stats: OrderStats;
  recent_orders: RecentOrder[];
}

export function mergeResults(profile: UserProfile, history: OrderHistory): MergedCustomerView {
  if (profile.user_id !== history.user_id) {
    // Two services answering about different people would silently corrupt the report.
    throw new Error(
      `profile is for ${profile.user_id} but order history is for ${history.user_id}; refusing to merge`,
    );
  }
  const { user_id, ...rest } = profile;
  const recent = [...history.orders]
    .sort((a, b) => Date.parse(b.created_at) - Date.parse(a.created_at) || b.id - a.id)
    .slice(0, RECENT_ORDER_LIMIT)
    .map((o) => ({ id: o.id, total: o.total, status: o.status, created_at: o.created_at }));
  return { user_id, profile: rest, order_stats: computeOrderStats(history.orders), recent_orders: recent };
}
