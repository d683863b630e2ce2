// Step 1: every sku exists and has enough stock; price the order from the catalog.
import { defineHandler, PermanentError } from "@tasker-ts/tasker";
import { eq } from "drizzle-orm";
import { productsBySku } from "../../../db/catalog.js";
import { orders } from "../../../db/schema.js";
import type { AppDeps } from "../../../lib/deps.js";
import { describeCatalogProblem, findCatalogProblems, priceOrder } from "../pricing.js";
import { OrderTaskContextSchema } from "../schemas.js";

export function validateInventoryHandler(deps: AppDeps) {
  return defineHandler(
    "ecommerce.validate_inventory",
    { inputs: OrderTaskContextSchema },
    async ({ input }) => {
      const catalog = await productsBySku(
        deps.db,
        input.items.map((i) => i.sku),
      );
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
      await deps.db
        .update(orders)
        .set({ subtotal: priced.subtotal, tax: priced.tax, shipping: priced.shipping, total: priced.total })
        .where(eq(orders.id, input.order_id));
      return { ...priced, validated_at: new Date().toISOString() };
    },
  );
}
