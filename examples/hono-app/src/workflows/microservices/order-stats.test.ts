import { describe, expect, it } from "vitest";
import { computeOrderStats } from "./order-stats.js";

describe("computeOrderStats", () => {
  it("counts, sums and dates the charged orders", () => {
    const stats = computeOrderStats([
      { id: 2, total: "100.10", status: "completed", created_at: "2025-03-01T10:00:00.000Z" },
      { id: 1, total: "0.20", status: "completed", created_at: "2025-01-15T10:00:00.000Z" },
      { id: 3, total: 50, status: "processing", created_at: "2025-02-01T10:00:00.000Z" },
    ]);
    expect(stats).toEqual({
      order_count: 3,
      total_spent: 150.3,
      average_order_value: 50.1,
      first_order_at: "2025-01-15T10:00:00.000Z",
      last_order_at: "2025-03-01T10:00:00.000Z",
      excluded_orders: 0,
    });
  });

  it("leaves failed and cancelled orders out of the figures", () => {
    const stats = computeOrderStats([
      { id: 1, total: "10.00", status: "completed", created_at: "2025-01-01T00:00:00.000Z" },
      { id: 2, total: "999.00", status: "failed", created_at: "2025-06-01T00:00:00.000Z" },
      { id: 3, total: "5.00", status: "cancelled", created_at: "2025-07-01T00:00:00.000Z" },
    ]);
    expect(stats.total_spent).toBe(10);
    expect(stats.last_order_at).toBe("2025-01-01T00:00:00.000Z");
    expect(stats.excluded_orders).toBe(2);
  });

  it("has zeroes and nulls for a customer without orders", () => {
    expect(computeOrderStats([])).toEqual({
      order_count: 0,
      total_spent: 0,
      average_order_value: 0,
      first_order_at: null,
      last_order_at: null,
      excluded_orders: 0,
    });
  });
});
