import { describe, expect, it } from "vitest";
import { customerSegment, formatResponse } from "./format-response.js";
import type { MergedCustomerView } from "./merge-results.js";

function view(orderCount: number, totalSpent: number): MergedCustomerView {
  return {
    user_id: "cust-001",
    profile: {
      name: "Ada",
      email: "ada@example.com",
      tier: "gold",
      member_since: "2024-01-01T00:00:00.000Z",
    },
    order_stats: {
      order_count: orderCount,
      total_spent: totalSpent,
      average_order_value: orderCount ? totalSpent / orderCount : 0,
      first_order_at: orderCount ? "2025-01-01T00:00:00.000Z" : null,
      last_order_at: orderCount ? "2025-02-01T00:00:00.000Z" : null,
      excluded_orders: 0,
    },
    recent_orders: [],
  };
}

describe("formatResponse", () => {
  it("profile_summary carries the profile and nothing about orders", () => {
    const r = formatResponse("profile_summary", view(2, 50));
    expect(r).toEqual({
      request_type: "profile_summary",
      user_id: "cust-001",
      name: "Ada",
      email: "ada@example.com",
      tier: "gold",
      member_since: "2024-01-01T00:00:00.000Z",
    });
  });

  it("order_summary carries the order figures and no personal data", () => {
    const r = formatResponse("order_summary", view(2, 50));
    expect(r).toMatchObject({ request_type: "order_summary", order_count: 2, total_spent: 50 });
    expect(r).toHaveProperty("last_order_at", "2025-02-01T00:00:00.000Z");
    expect(r).not.toHaveProperty("email");
  });

  it("full_report has both halves and a segment", () => {
    const r = formatResponse("full_report", view(4, 120));
    expect(r).toMatchObject({
      request_type: "full_report",
      profile: { email: "ada@example.com" },
      order_stats: { order_count: 4 },
      customer_segment: "loyal",
    });
  });
});

describe("customerSegment", () => {
  it.each([
    [0, 0, "new"],
    [1, 20, "occasional"],
    [3, 60, "loyal"],
    [1, 1000, "high_value"],
  ] as const)("%i orders, %d spent -> %s", (count, spent, segment) => {
    expect(customerSegment(view(count, spent))).toBe(segment);
  });
});
