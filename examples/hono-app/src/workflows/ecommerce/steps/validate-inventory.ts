// Step 1: every sku exists and has enough stock; price the order from the catalog.
import { defineHandler, PermanentError } from "@tasker-ts/tasker";
import { eq, sql } from "drizzle-orm";
import { catalogLookup } from "../../../db/catalog.js";
import { orders } from "../../../db/schema.js";
import type { AppDeps } from "../../../lib/deps.js";
import { describeCatalogProblem, findCatalogProblems, priceOrder } from "../pricing.js";
import { OrderTaskContextSchema } from "../schemas.js";

export function validateInventoryHandler(deps: AppDeps) {
  const lookUpCatalog = catalogLookup(deps.db);
  // Prepared once, like every statement an order runs (see db/catalog.ts).
  const recordPrice = deps.db
    .update(orders)
    // Drizzle's types take a placeholder in `set` only inside sql``.
    .set({
      subtotal: sql`${sql.placeholder("subtotal")}`,
      tax: sql`${sql.placeholder("tax")}`,
      shipping: sql`${sql.placeholder("shipping")}`,
      total: sql`${sql.placeholder("total")}`,
      // Set here: a prepared statement would keep the time `$onUpdate` gave when it was built.
      updated_at: sql`now()`,
    })
    .where(eq(orders.id, sql.placeholder("order_id")))
    .prepare("record_order_price");
  return defineHandler(
    "ecommerce.validate_inventory",
    { inputs: OrderTaskContextSchema },
    async ({ input }) => {
      const catalog = await lookUpCatalog(input.items.map((i) => i.sku));
      const problems = findCatalogProblems(input.items, catalog);
      const first = problems[0];
      if (first) {
        throw new PermanentError(problems.map(describeCatalogProblem).join("; "), {
          code: first.kind,
          metadata: { problems },
        });
      }
      const priced = priceOrder(input.items, catalog);
      // The catalog price at validation is what the customer pays; record it on the order.
      await recordPrice.execute({
        subtotal: priced.subtotal,
        tax: priced.tax,
        shipping: priced.shipping,
        total: priced.total,
        order_id: input.order_id,
      });
      return { ...priced, validated_at: new Date().toISOString() };
    },
  );
}
