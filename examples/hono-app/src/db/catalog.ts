// The catalog lookup every route and step of every workflow shares: the products of some skus.
import { sql } from "drizzle-orm";
import type { AppDb } from "./client.js";
import { products } from "./schema.js";

export type CatalogProduct = typeof products.$inferSelect;

/** The products of some skus, by sku (an unknown sku is absent). */
export type CatalogLookup = (skus: readonly string[]) => Promise<Map<string, CatalogProduct>>;

/**
 * The catalog lookup on `db`, from one prepared statement: made once where a route or handler is
 * made, so Drizzle builds its SQL once and PostgreSQL parses and plans it once per connection.
 */
export function catalogLookup(db: AppDb): CatalogLookup {
  const query = db
    .select()
    .from(products)
    // One array parameter, so one statement serves any number of skus.
    .where(sql`${products.sku} = any(${sql.placeholder("skus")})`)
    .prepare("catalog_lookup");
  return async (skus) => {
    if (skus.length === 0) return new Map();
    const rows = await query.execute({ skus: [...skus] });
    return new Map(rows.map((product) => [product.sku, product]));
  };
}
