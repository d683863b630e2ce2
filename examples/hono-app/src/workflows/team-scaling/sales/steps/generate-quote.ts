// generate_quote: one quote per sales task (unique task_uuid), numbered from the check id.
import { defineHandler } from "@tasker-ts/tasker";
import { eq } from "drizzle-orm";
import { quotes } from "../../../../db/schema.js";
import type { AppDeps } from "../../../../lib/deps.js";
import { mergeCheckResult } from "../../check-result.js";
import { DEFAULT_QUOTE_VALIDITY_DAYS, quoteExpiry, quoteNumber, quoteTotal } from "../quote.js";
import {
  DiscountResultSchema,
  ReceivedOrderSchema,
  ShippingResultSchema,
  ValidatedItemsSchema,
} from "../schemas.js";

export function generateQuoteHandler({ db }: AppDeps) {
  return defineHandler(
    "sales.generate_quote",
    {
      depends: {
        receive_order: ReceivedOrderSchema,
        validate_items: ValidatedItemsSchema,
        calculate_shipping: ShippingResultSchema,
        apply_discounts: DiscountResultSchema,
      },
    },
    async ({ dependencyResults, taskUuid, initialization }) => {
      const { receive_order: order, validate_items: items, calculate_shipping: shipping } = dependencyResults;
      const discounts = dependencyResults.apply_discounts;
      const validityDays =
        typeof initialization.validity_days === "number"
          ? initialization.validity_days
          : DEFAULT_QUOTE_VALIDITY_DAYS;
      const issuedAt = new Date();
      await db
        .insert(quotes)
        .values({
          quote_number: quoteNumber(order.check_id),
          compliance_check_id: order.check_id,
          order_ref: order.order_ref,
          task_uuid: taskUuid,
          lines: items.lines,
          subtotal: discounts.subtotal,
          discount: discounts.discount_total,
          shipping: shipping.shipping_cost,
          total: quoteTotal(discounts.discounted_subtotal, shipping.shipping_cost),
          details: { discounts: discounts.discounts, shipping, destination: order.destination },
          expires_at: quoteExpiry(issuedAt, validityDays),
          created_at: issuedAt,
        })
        // A retry after the insert committed keeps the first quote (and its expiry).
        .onConflictDoNothing({ target: quotes.task_uuid });
      const [quote] = await db.select().from(quotes).where(eq(quotes.task_uuid, taskUuid)).limit(1);
      const summary = {
        quote_id: quote!.id,
        quote_number: quote!.quote_number,
        subtotal: quote!.subtotal,
        discount: quote!.discount,
        shipping: quote!.shipping,
        total: quote!.total,
        currency: quote!.currency,
        expires_at: quote!.expires_at.toISOString(),
      };
      await mergeCheckResult(db, order.check_id, "quote", summary);
      return summary;
    },
  );
}
