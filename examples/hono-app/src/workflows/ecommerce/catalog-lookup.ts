// The order path's catalog lookup (POST /orders and validate_inventory, on every order).
import { sql } from "drizzle-orm";
import type { AppDb } from "../../db/client.js";
import { products } from "../../db/schema.js";
import type { CatalogEntry } from "./pricing.js";

export type CatalogLookup = (skus: readonly string[]) => Promise<Map<string, CatalogEntry>>;

/**
 * The catalog entries of some skus, by sku, from one prepared statement: Drizzle builds its SQL
 * once, and PostgreSQL parses and plans it once per connection. It reads only what pricing uses.
 */
export function catalogLookup(db: AppDb): CatalogLookup {
  const query = db
    .select({
      sku: products.sku,
      name: products.name,
      price: products.price,
      stock: products.stock,
      weight_kg: products.weight_kg,
    })
    .from(products)
    // One array parameter, so one statement serves any number of skus.
    .where(sql`${products.sku} = any(${sql.placeholder("skus")})`)
    .prepare("order_catalog_lookup");
  return async (skus) => {
    const rows = await query.execute({ skus: [...skus] });
    return new Map(rows.map((entry) => [entry.sku, entry]));
  };
}
