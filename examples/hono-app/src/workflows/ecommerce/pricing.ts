// Order pricing from catalog prices (the client never sets prices):
// subtotal + 8.75% tax + shipping (free when the subtotal is at least 75.00, else 9.99).
// All arithmetic in integer cents, so totals never drift.

export const TAX_RATE_BASIS_POINTS = 875;
export const FREE_SHIPPING_FROM_CENTS = 7_500;
export const SHIPPING_FEE_CENTS = 999;
export const CURRENCY = "USD";

export interface CatalogEntry {
  sku: string;
  name: string;
  price: number;
  stock: number;
  weight_kg: number;
}

export interface PricedLine {
  sku: string;
  name: string;
  quantity: number;
  unit_price: number;
  line_total: number;
  weight_kg: number;
}

export interface PricedOrder {
  lines: PricedLine[];
  item_count: number;
  subtotal: number;
  tax: number;
  shipping: number;
  total: number;
  currency: typeof CURRENCY;
}

export type CatalogProblem =
  | { kind: "unknown_sku"; sku: string }
  | { kind: "insufficient_stock"; sku: string; requested: number; available: number };

const toCents = (amount: number) => Math.round(amount * 100);
const fromCents = (cents: number) => cents / 100;

/** Skus the catalog does not have, and lines asking for more than is in stock. */
export function findCatalogProblems(
  items: ReadonlyArray<{ sku: string; quantity: number }>,
  catalog: ReadonlyMap<string, CatalogEntry>,
): CatalogProblem[] {
  const problems: CatalogProblem[] = [];
  for (const item of items) {
    const entry = catalog.get(item.sku);
    if (!entry) problems.push({ kind: "unknown_sku", sku: item.sku });
    else if (entry.stock < item.quantity) {
      problems.push({
        kind: "insufficient_stock",
        sku: item.sku,
        requested: item.quantity,
        available: entry.stock,
      });
    }
  }
  return problems;
}

export function describeCatalogProblem(problem: CatalogProblem): string {
  return problem.kind === "unknown_sku"
    ? `unknown sku "${problem.sku}"; GET /products lists the catalog`
    : `insufficient stock for "${problem.sku}": ${problem.requested} requested, ${problem.available} available`;
}

/** Prices the items; throws naming the sku when one is not in the catalog. */
export function priceOrder(
  items: ReadonlyArray<{ sku: string; quantity: number }>,
  catalog: ReadonlyMap<string, CatalogEntry>,
): PricedOrder {
  const lines = items.map((item): PricedLine => {
    const entry = catalog.get(item.sku);
    if (!entry) throw new Error(`cannot price unknown sku "${item.sku}"`);
    const unitCents = toCents(entry.price);
    return {
      sku: item.sku,
      name: entry.name,
      quantity: item.quantity,
      unit_price: fromCents(unitCents),
      line_total: fromCents(unitCents * item.quantity),
      weight_kg: entry.weight_kg,
    };
  });
  const subtotalCents = lines.reduce((sum, line) => sum + toCents(line.line_total), 0);
  // Half-up rounding to the cent, as a till would.
  const taxCents = Math.round((subtotalCents * TAX_RATE_BASIS_POINTS) / 10_000);
  const shippingCents = subtotalCents >= FREE_SHIPPING_FROM_CENTS ? 0 : SHIPPING_FEE_CENTS;
  return {
    lines,
    item_count: lines.reduce((sum, line) => sum + line.quantity, 0),
    subtotal: fromCents(subtotalCents),
    tax: fromCents(taxCents),
    shipping: fromCents(shippingCents),
    total: fromCents(subtotalCents + taxCents + shippingCents),
    currency: CURRENCY,
  };
}
