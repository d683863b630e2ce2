// Step 3: take the sold quantities out of stock, once per order, never below zero. One
// statement claims each line (a stock_movements row, unique per order and sku) and takes the
// claimed lines' quantities out of stock: a retry or a duplicate delivery finds its claims and
// does nothing, and a line without the stock aborts the whole statement (products' check that
// stock stays >= 0), so no claim is left without its decrement.
import { defineHandler, PermanentError } from "@tasker-ts/tasker";
import { eq, inArray, sql } from "drizzle-orm";
import type { AppDb } from "../../../db/client.js";
import { payments, products, stock_movements } from "../../../db/schema.js";
import type { AppDeps } from "../../../lib/deps.js";
import { OrderTaskContextSchema, PricedOrderSchema } from "../schemas.js";

const REASON = "sale";
/** products' check that stock never goes below zero (drizzle/0000_*.sql). */
const STOCK_CHECK = "products_stock_non_negative";

export function updateInventoryHandler(deps: AppDeps) {
  // Prepared once, like every statement an order runs (see db/catalog.ts).
  const claimed = deps.db
    .$with("claimed", { sku: stock_movements.sku, quantity: sql<number>`quantity`.as("quantity") })
    .as(
      sql`insert into ${stock_movements} (order_id, sku, quantity_delta, reason)
        select ${sql.placeholder("order_id")}, l.sku, -l.quantity, ${REASON}
          from unnest(${sql.placeholder("skus")}::text[], ${sql.placeholder("quantities")}::int[]) as l(sku, quantity)
        on conflict do nothing
        returning sku, -quantity_delta as quantity`,
    );
  const takeStock = deps.db
    .with(claimed)
    .update(products)
    // updated_at set here: a prepared statement would keep the time `$onUpdate` gave when it was built.
    .set({ stock: sql`${products.stock} - ${claimed.quantity}`, updated_at: sql`now()` })
    .from(claimed)
    .where(eq(products.sku, claimed.sku))
    .returning({ sku: products.sku, stock: products.stock })
    .prepare("take_order_stock");
  return defineHandler(
    "ecommerce.update_inventory",
    { inputs: OrderTaskContextSchema, depends: { validate_inventory: PricedOrderSchema } },
    async ({ input, dependencyResults }) => {
      const orderId = input.order_id;
      const lines = dependencyResults.validate_inventory.lines;
      // The stock each line left, from the UPDATE; lines applied by an earlier attempt are read.
      const stockOf = new Map<string, number>();
      try {
        const taken = await takeStock.execute({
          order_id: orderId,
          skus: lines.map((l) => l.sku),
          quantities: lines.map((l) => l.quantity),
        });
        for (const t of taken) stockOf.set(t.sku, t.stock);
      } catch (error) {
        if (!violates(error, STOCK_CHECK)) throw error;
        // Stock ran out between validation and now: give the money back before failing. (Stock
        // refilled since the statement failed: the error stands, and the step runs again.)
        const sku = await lineWithoutStock(deps.db, orderId, lines);
        if (sku === undefined) throw error;
        await deps.db.update(payments).set({ status: "refunded" }).where(eq(payments.order_id, orderId));
        throw new PermanentError(
          `insufficient stock for "${sku}" when reserving it; the payment was refunded`,
          {
            code: "insufficient_stock",
            metadata: { sku },
          },
        );
      }
      const unread = lines.map((l) => l.sku).filter((s) => !stockOf.has(s));
      if (unread.length > 0) {
        const remaining = await deps.db
          .select({ sku: products.sku, stock: products.stock })
          .from(products)
          .where(inArray(products.sku, unread));
        for (const r of remaining) stockOf.set(r.sku, r.stock);
      }
      return {
        order_id: orderId,
        movements: lines.map((l) => ({
          sku: l.sku,
          quantity: -l.quantity,
          remaining_stock: stockOf.get(l.sku) ?? null,
        })),
      };
    },
  );
}

/** Whether a database error (or one it was caused by) is a violation of `constraint`. */
function violates(error: unknown, constraint: string): boolean {
  for (let e = error; e instanceof Object; e = (e as { cause?: unknown }).cause) {
    if ((e as { constraint?: unknown }).constraint === constraint) return true;
  }
  return false;
}

/** The first line not yet applied whose sku has less stock than it takes, if any. */
async function lineWithoutStock(
  db: AppDb,
  orderId: number,
  lines: ReadonlyArray<{ sku: string; quantity: number }>,
): Promise<string | undefined> {
  const skus = lines.map((l) => l.sku);
  const [stock, applied] = await Promise.all([
    db.select({ sku: products.sku, stock: products.stock }).from(products).where(inArray(products.sku, skus)),
    db
      .select({ sku: stock_movements.sku })
      .from(stock_movements)
      .where(sql`${stock_movements.order_id} = ${orderId} and ${stock_movements.reason} = ${REASON}`),
  ]);
  const stockOf = new Map(stock.map((p) => [p.sku, p.stock]));
  const done = new Set(applied.map((m) => m.sku));
  return lines.find((l) => !done.has(l.sku) && (stockOf.get(l.sku) ?? 0) < l.quantity)?.sku;
}
