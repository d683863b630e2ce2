// The dataset a job analyses when it names no dataset_url: ~1,000 sales rows generated
// deterministically from the job id (same id, same rows), with a few outliers and a few broken
// rows so the anomaly and validation steps have something real to find.

export const REGIONS = ["north", "south", "east", "west"] as const;
export const PRODUCTS = [
  { sku: "WIDGET-001", price: 29.99 },
  { sku: "GADGET-002", price: 49.99 },
  { sku: "GIZMO-003", price: 129.0 },
  { sku: "SCARCE-004", price: 15.0 },
] as const;
export const DEFAULT_ROW_COUNT = 1000;
const START_DATE = Date.UTC(2024, 0, 1);
const DAY_MS = 86_400_000;

export interface SalesRow {
  date: string;
  region: string;
  product: string;
  quantity: number;
  amount: number;
}

/** mulberry32: a tiny, well-distributed 32-bit PRNG; returns floats in [0, 1). */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** FNV-1a hash of a string, as the PRNG seed. */
export function seedFrom(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

export function generateDataset(jobId: number, rowCount = DEFAULT_ROW_COUNT): Record<string, unknown>[] {
  const random = seededRandom(seedFrom(`analytics-job-${jobId}`));
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)]!;
  const rows: Record<string, unknown>[] = [];
  for (let i = 0; i < rowCount; i++) {
    const product = pick(PRODUCTS);
    const quantity = 1 + Math.floor(random() * 20);
    // Price varies +-10% around list (discounts, surcharges).
    let amount = Math.round(quantity * product.price * (0.9 + random() * 0.2) * 100) / 100;
    const roll = random();
    // About 0.5% bulk deals far above the usual amounts: the anomalies.
    if (roll < 0.005) amount = Math.round(amount * 25 * 100) / 100;
    const row: Record<string, unknown> = {
      date: new Date(START_DATE + Math.floor(random() * 90) * DAY_MS).toISOString().slice(0, 10),
      region: pick(REGIONS),
      product: product.sku,
      quantity,
      amount,
    };
    // About 1% of rows arrive broken, as real exports do.
    if (roll > 0.99) {
      if (random() < 0.5) row.region = "";
      else row.quantity = "n/a";
    }
    rows.push(row);
  }
  return rows;
}
