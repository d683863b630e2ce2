// Catalog lookups: the products of some skus, for routes and steps of every workflow.
import { inArray } from "drizzle-orm";
import type { AppDb } from "./client.js";
import { products } from "./schema.js";

export type CatalogProduct = typeof products.$inferSelect;

export async function productsBySku(
  db: AppDb,
  skus: readonly string[],
): Promise<Map<string, CatalogProduct>> {
  if (skus.length === 0) return new Map();
  const rows = await db
    .select()
    .from(products)
    .where(inArray(products.sku, [...skus]));
  return new Map(rows.map((p) => [p.sku, p]));
}
