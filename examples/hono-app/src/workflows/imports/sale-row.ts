// A CSV row as an imported_sales row, or why it is rejected. Pure.
import { toNumber, validateRow } from "../data-pipeline/row-validation.js";

export interface SaleRow {
  date: string;
  region: string;
  product: string;
  quantity: number;
  amount: number;
}

/** The row to import, or undefined when the row fails the data pipeline's schema checks. */
export function saleRow(row: Record<string, unknown>): SaleRow | undefined {
  if (validateRow(row).length > 0) return undefined;
  return {
    date: String(row.date),
    region: String(row.region),
    product: String(row.product),
    quantity: toNumber(row.quantity) as number,
    amount: toNumber(row.amount) as number,
  };
}
