// validate_items: price every line from the catalog; an unknown sku ends the quote.
import { defineHandler, PermanentError } from "@tasker-ts/tasker";
import { catalogLookup } from "../../../../db/catalog.js";
import type { AppDeps } from "../../../../lib/deps.js";
import { fromCents, toCents } from "../../money.js";
import { type PricedLine, ReceivedOrderSchema } from "../schemas.js";

export function validateItemsHandler({ db }: AppDeps) {
  const lookUpCatalog = catalogLookup(db);
  return defineHandler(
    "sales.validate_items",
    { depends: { receive_order: ReceivedOrderSchema } },
    async ({ dependencyResults }) => {
      const { lines, total_units } = dependencyResults.receive_order;
      const catalog = await lookUpCatalog(lines.map((l) => l.sku));
      const unknown = lines.filter((l) => !catalog.has(l.sku)).map((l) => l.sku);
      if (unknown.length > 0) {
        throw new PermanentError(
          `unknown sku${unknown.length > 1 ? "s" : ""} ${unknown.join(", ")}: not in the catalog (see GET /products)`,
          { code: "unknown_sku", metadata: { skus: unknown } },
        );
      }
      const priced: PricedLine[] = lines.map((line) => {
        const product = catalog.get(line.sku)!;
        return {
          sku: line.sku,
          name: product.name,
          quantity: line.quantity,
          unit_price: product.price,
          line_total: fromCents(toCents(product.price) * line.quantity),
          weight_kg: product.weight_kg,
          // A quote does not reserve stock; it says whether the order could ship today.
          in_stock: product.stock >= line.quantity,
        };
      });
      const subtotalCents = priced.reduce((sum, l) => sum + toCents(l.line_total), 0);
      return {
        lines: priced,
        subtotal: fromCents(subtotalCents),
        total_units,
        all_in_stock: priced.every((l) => l.in_stock),
      };
    },
  );
}
