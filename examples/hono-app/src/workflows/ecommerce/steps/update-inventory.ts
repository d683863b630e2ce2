// Step 3: take the sold quantities out of stock, once per order, never below zero. The
// stock_movements row (unique per order and sku) is written in the same transaction as the
// decrement, so a retry or a duplicate delivery finds it and does nothing.
import { defineHandler, PermanentError } from "@tasker-ts/tasker";
import { and, eq, gte, inArray, sql } from "drizzle-orm";
import { payments, products, stock_movements } from "../../../db/schema.js";
import type { AppDeps } from "../../../lib/deps.js";
import { OrderTaskContextSchema, PricedOrderSchema } from "../schemas.js";

const REASON = "sale";

class OutOfStock extends Error {
  constructor(readonly sku: string) {
    super(`insufficient stock for "${sku}" when reserving it`);
  }
}

export function updateInventoryHandler(deps: AppDeps) {
  return defineHandler(
    "ecommerce.update_inventory",
    { inputs: OrderTaskContextSchema, depends: { validate_inventory: PricedOrderSchema } },
    async ({ input, dependencyResults }) => {
      const orderId = input.order_id;
      // The stock each line left, from its own UPDATE; lines applied by an earlier attempt are read.
      const stockOf = new Map<string, number>();
      try {
        await deps.db.transaction(async (tx) => {
          for (const line of dependencyResults.validate_inventory.lines) {
            const [claimed] = await tx
              .insert(stock_movements)
              .values({ order_id: orderId, sku: line.sku, quantity_delta: -line.quantity, reason: REASON })
              .onConflictDoNothing()
              .returning({ id: stock_movements.id });
            if (!claimed) continue; // this line was already applied
            const [updated] = await tx
              .update(products)
              .set({ stock: sql`${products.stock} - ${line.quantity}` })
              .where(and(eq(products.sku, line.sku), gte(products.stock, line.quantity)))
              .returning({ stock: products.stock });
            if (!updated) throw new OutOfStock(line.sku);
            stockOf.set(line.sku, updated.stock);
          }
        });
      } catch (error) {
        if (!(error instanceof OutOfStock)) throw error;
        // Stock ran out between validation and now: give the money back before failing.
        await deps.db.update(payments).set({ status: "refunded" }).where(eq(payments.order_id, orderId));
        throw new PermanentError(`${error.message}; the payment was refunded`, {
          code: "insufficient_stock",
          metadata: { sku: error.sku },
        });
      }
      const unread = dependencyResults.validate_inventory.lines
        .map((l) => l.sku)
        .filter((s) => !stockOf.has(s));
      if (unread.length > 0) {
        const remaining = await deps.db
          .select({ sku: products.sku, stock: products.stock })
          .from(products)
          .where(inArray(products.sku, unread));
        for (const r of remaining) stockOf.set(r.sku, r.stock);
      }
      return {
        order_id: orderId,
        movements: dependencyResults.validate_inventory.lines.map((l) => ({
          sku: l.sku,
          quantity: -l.quantity,
          remaining_stock: stockOf.get(l.sku) ?? null,
        })),
      };
    },
  );
}
