import { describe, expect, it } from "vitest";
import { mergeResults } from "./merge-results.js";

const profile = {
  user_id: "cust-001",
  name: "Ada Lovelace",
  email: "ada@example.com",
  tier: "gold",
  member_since: "2024-01-01T00:00:00.000Z",
};

const order = (id: number, day: number, total = 10, status = "completed") => ({
  id,
  total,
  status,
  item_count: 1,
  created_at: new Date(Date.UTC(2025, 0, day)).toISOString(),
});

describe("mergeResults", () => {
  it("combines the profile with order stats and the newest orders first", () => {
    const merged = mergeResults(profile, {
      user_id: "cust-001",
      orders: [order(1, 1), order(2, 3, 25.5), order(3, 2, 4.5, "failed")],
    });
    expect(merged.user_id).toBe("cust-001");
    expect(merged.profile).toEqual({
      name: "Ada Lovelace",
      email: "ada@example.com",
      tier: "gold",
      member_since: "2024-01-01T00:00:00.000Z",
    });
    expect(merged.order_stats).toMatchObject({ order_count: 2, total_spent: 35.5, excluded_orders: 1 });
    expect(merged.order_stats.last_order_at).toBe("2025-01-03T00:00:00.000Z");
    expect(merged.recent_orders.map((o) => o.id)).toEqual([2, 3, 1]);
    expect(merged.recent_orders[0]!.total).toBe(25.5);
  });

  it("keeps only the five newest orders in recent_orders but counts all", () => {
    const orders = Array.from({ length: 8 }, (_, i) => order(i + 1, i + 1));
    const merged = mergeResults(profile, { user_id: "cust-001", orders });
    expect(merged.recent_orders.map((o) => o.id)).toEqual([8, 7, 6, 5, 4]);
    expect(merged.order_stats.order_count).toBe(8);
  });

  it("refuses to merge data about two different customers", () => {
    expect(() => mergeResults(profile, { user_id: "cust-002", orders: [] })).toThrow(
      /profile is for cust-001 but order history is for cust-002/,
    );
  });
});
