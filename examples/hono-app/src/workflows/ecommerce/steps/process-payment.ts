// Step 2: charge the order's total once. The payments row is unique per order, so a retried or
// duplicated step returns the first charge instead of charging again.
import { randomUUID } from "node:crypto";
import { defineHandler, PermanentError, RetryableError } from "@tasker-ts/tasker";
import { eq } from "drizzle-orm";
import { payments } from "../../../db/schema.js";
import type { AppDeps } from "../../../lib/deps.js";
import { decideCharge } from "../payment-gateway.js";
import { OrderTaskContextSchema, PricedOrderSchema } from "../schemas.js";

export function processPaymentHandler(deps: AppDeps) {
  return defineHandler(
    "ecommerce.process_payment",
    { inputs: OrderTaskContextSchema, depends: { validate_inventory: PricedOrderSchema } },
    async ({ input, dependencyResults, attempt, logger }) => {
      const existing = await findPayment(deps, input.order_id);
      if (existing) {
        logger.info({ order_id: input.order_id, payment_id: existing.payment_id }, "order already charged");
        return paymentResult(existing, attempt);
      }
      const amount = dependencyResults.validate_inventory.total;
      const decision = decideCharge({ token: input.payment_info.token, amount, attempt });
      if (decision.outcome === "declined") {
        throw new PermanentError(decision.message, { code: decision.code, metadata: { amount } });
      }
      if (decision.outcome === "unavailable") {
        throw new RetryableError(decision.message, { code: decision.code, retryAfterMs: 200 });
      }
      const [inserted] = await deps.db
        .insert(payments)
        .values({
          payment_id: `pay_${randomUUID().replaceAll("-", "").slice(0, 24)}`,
          order_id: input.order_id,
          amount,
          currency: "USD",
          status: "captured",
          method: input.payment_info.method,
        })
        .onConflictDoNothing({ target: payments.order_id })
        .returning();
      // No row back: a duplicate delivery charged it meanwhile; that first charge is the answer.
      const charged = inserted ?? (await findPayment(deps, input.order_id));
      if (!charged) throw new RetryableError(`payment for order ${input.order_id} not found after insert`);
      return paymentResult(charged, attempt);
    },
  );
}

async function findPayment(deps: AppDeps, orderId: number) {
  const [payment] = await deps.db.select().from(payments).where(eq(payments.order_id, orderId));
  return payment;
}

function paymentResult(payment: typeof payments.$inferSelect, attempt: number) {
  return {
    payment_id: payment.payment_id,
    amount_charged: payment.amount,
    currency: payment.currency,
    status: payment.status,
    charged_at: payment.created_at.toISOString(),
    gateway_attempt: attempt,
  };
}
