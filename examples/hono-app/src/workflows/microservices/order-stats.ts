// Order statistics for a customer, from the order-history service's rows. Failed and cancelled
// orders were never charged, so they do not count towards spend.

export interface OrderHistoryEntry {
  id: number;
  total: string | number;
  status: string;
  created_at: string;
}

export interface OrderStats {
  order_count: number;
  total_spent: number;
  average_order_value: number;
  first_order_at: string | null;
  last_order_at: string | null;
  /** Orders left out of the figures (failed / cancelled). */
  excluded_orders: number;
}

const NOT_CHARGED = new Set(["failed", "cancelled"]);

export function computeOrderStats(orders: readonly OrderHistoryEntry[]): OrderStats {
  const counted = orders.filter((o) => !NOT_CHARGED.has(o.status));
  const cents = counted.reduce((sum, o) => sum + Math.round(Number(o.total) * 100), 0);
  const times = counted.map((o) => o.created_at).sort((a, b) => Date.parse(a) - Date.parse(b));
  return {
    order_count: counted.length,
    total_spent: cents / 100,
    average_order_value: counted.length === 0 ? 0 : Math.round(cents / counted.length) / 100,
    first_order_at: times[0] ?? null,
    last_order_at: times.at(-1) ?? null,
    excluded_orders: orders.length - counted.length,
  };
}
