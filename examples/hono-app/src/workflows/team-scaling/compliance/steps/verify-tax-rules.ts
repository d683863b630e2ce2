// verify_tax_rules: the destination's import tax on the catalog value of the goods.
import { defineHandler } from "@tasker-ts/tasker";
import { catalogLookup } from "../../../../db/catalog.js";
import type { AppDeps } from "../../../../lib/deps.js";
import { fromCents, toCents } from "../../money.js";
import { normalizeOrderLines } from "../../sales/order-lines.js";
import { CheckTaskContextSchema } from "../../schemas.js";
import { VerdictSchema } from "../schemas.js";
import { assessTax } from "../tax-rules.js";

export function verifyTaxRulesHandler({ db }: AppDeps) {
  const lookUpCatalog = catalogLookup(db);
  return defineHandler(
    "compliance.verify_tax_rules",
    { inputs: CheckTaskContextSchema, depends: { check_compliance: VerdictSchema } },
    async ({ input }) => {
      const { lines } = normalizeOrderLines(input.items);
      const catalog = await lookUpCatalog(lines.map((l) => l.sku));
      // check_compliance already refused unknown skus, so every line has a price here.
      const valueCents = lines.reduce((sum, l) => sum + toCents(catalog.get(l.sku)!.price) * l.quantity, 0);
      return assessTax(input.destination.country, input.destination.region, fromCents(valueCents));
    },
  );
}
