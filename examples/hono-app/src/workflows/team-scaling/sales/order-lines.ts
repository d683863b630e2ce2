// receive_order: one line per sku, whatever order the client sent them in.
import type { OrderLine } from "../schemas.js";

export interface NormalizedOrder {
  lines: OrderLine[];
  total_units: number;
}

/** Merges repeated skus (case-insensitively, upper-cased) and keeps first-seen order. */
export function normalizeOrderLines(items: readonly OrderLine[]): NormalizedOrder {
  const bySku = new Map<string, number>();
  for (const item of items) {
    const sku = item.sku.trim().toUpperCase();
    bySku.set(sku, (bySku.get(sku) ?? 0) + item.quantity);
  }
  const lines = [...bySku].map(([sku, quantity]) => ({ sku, quantity }));
  return { lines, total_units: lines.reduce((sum, l) => sum + l.quantity, 0) };
}
