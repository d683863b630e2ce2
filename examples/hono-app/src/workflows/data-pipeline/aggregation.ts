// Totals by region and by product from the valid rows (amounts summed in cents).

export interface Totals {
  rows: number;
  quantity: number;
  amount: number;
}

export interface Aggregates {
  totals: Totals;
  by_region: Record<string, Totals>;
  by_product: Record<string, Totals>;
}

interface ValidRow {
  region: string;
  product: string;
  quantity: number;
  amount: number;
}

function sumInto(
  map: Map<string, { rows: number; quantity: number; cents: number }>,
  key: string,
  row: ValidRow,
) {
  const entry = map.get(key) ?? { rows: 0, quantity: 0, cents: 0 };
  entry.rows += 1;
  entry.quantity += row.quantity;
  entry.cents += Math.round(row.amount * 100);
  map.set(key, entry);
}

const toTotals = (e: { rows: number; quantity: number; cents: number }): Totals => ({
  rows: e.rows,
  quantity: e.quantity,
  amount: e.cents / 100,
});

/** Keys sorted, so the report reads the same every time. */
const sortedRecord = (map: Map<string, { rows: number; quantity: number; cents: number }>) =>
  Object.fromEntries(
    [...map.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => [k, toTotals(v)]),
  );

export function aggregate(rows: readonly ValidRow[]): Aggregates {
  const all = new Map<string, { rows: number; quantity: number; cents: number }>();
  const regions = new Map<string, { rows: number; quantity: number; cents: number }>();
  const products = new Map<string, { rows: number; quantity: number; cents: number }>();
  for (const row of rows) {
    sumInto(all, "all", row);
    sumInto(regions, row.region, row);
    sumInto(products, row.product, row);
  }
  return {
    totals: toTotals(all.get("all") ?? { rows: 0, quantity: 0, cents: 0 }),
    by_region: sortedRecord(regions),
    by_product: sortedRecord(products),
  };
}
