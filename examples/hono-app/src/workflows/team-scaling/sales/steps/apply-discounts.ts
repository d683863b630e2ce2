// apply_discounts: volume, coupon (coupons table) and customer tier (customers table).
import { defineHandler, PermanentError } from "@tasker-ts/tasker";
import { eq } from "drizzle-orm";
import { coupons, customers } from "../../../../db/schema.js";
import type { AppDeps } from "../../../../lib/deps.js";
import { toCents } from "../../money.js";
import { applyDiscounts, type Coupon } from "../discounts.js";
import { ReceivedOrderSchema, ValidatedItemsSchema } from "../schemas.js";

export function applyDiscountsHandler({ db }: AppDeps) {
  return defineHandler(
    "sales.apply_discounts",
    { depends: { receive_order: ReceivedOrderSchema, validate_items: ValidatedItemsSchema } },
    async ({ dependencyResults }) => {
      const order = dependencyResults.receive_order;
      let coupon: Coupon | null = null;
      if (order.coupon_code) {
        const [row] = await db.select().from(coupons).where(eq(coupons.code, order.coupon_code)).limit(1);
        if (!row?.active) {
          throw new PermanentError(`coupon ${order.coupon_code} is unknown or no longer active`, {
            code: "invalid_coupon",
            metadata: { coupon_code: order.coupon_code },
          });
        }
        coupon = { code: row.code, percent: row.percent_off };
      }
      let customerTier: string | null = null;
      if (order.customer_id) {
        const [row] = await db.select().from(customers).where(eq(customers.id, order.customer_id)).limit(1);
        if (!row) {
          throw new PermanentError(`customer ${order.customer_id} does not exist`, {
            code: "unknown_customer",
            metadata: { customer_id: order.customer_id },
          });
        }
        customerTier = row.tier;
      }
      return {
        ...applyDiscounts({
          subtotalCents: toCents(dependencyResults.validate_items.subtotal),
          totalUnits: dependencyResults.validate_items.total_units,
          coupon,
          customerTier,
        }),
        coupon_code: coupon?.code ?? null,
        customer_tier: customerTier,
      };
    },
  );
}
