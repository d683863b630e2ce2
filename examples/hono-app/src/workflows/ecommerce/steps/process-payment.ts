// Step 2: charge the order's total once. The payments row is unique per order, so a retried or
// duplicated step returns the first charge instead of charging again.
import { randomUUID } from "node:crypto";
import { defineHandler, PermanentError, RetryableError } from "@tasker-ts/tasker";
import { eq, sql } from "drizzle-orm";
import { payments } from "../../../db/schema.js";
import type { AppDeps } from "../../../lib/deps.js";
import { decideCharge } from "../payment-gateway.js";
import { OrderTaskContextSchema, PricedOrderSchema } from "../schemas.js";

/** What the step's result reports of a payment. */
const PAYMENT_COLUMNS = {
  payment_id: payments.payment_id,
  amount: payments.amount,
  currency: payments.currency,
  status: payments.status,
  created_at: payments.created_at,
};

export function processPaymentHandler(deps: AppDeps) {
  // Prepared once, like every statement an order runs (see db/catalog.ts).
  const findPayment = deps.db
    .select(PAYMENT_COLUMNS)
    .from(payments)
    .where(eq(payments.order_id, sql.placeholder("order_id")))
    .prepare("payment_of_order");
  const insertPayment = deps.db
    .insert(payments)
    .values({
      payment_id: sql.placeholder("payment_id"),
      order_id: sql.placeholder("order_id"),
      amount: sql.placeholder("amount"),
      currency: "USD",
      status: "captured",
      method: sql.placeholder("method"),
    })
    .onConflictDoNothing({ target: payments.order_id })
    .returning(PAYMENT_COLUMNS)
    .prepare("insert_payment");
  return defineHandler(
    "ecommerce.process_payment",
    { inputs: OrderTaskContextSchema, depends: { validate_inventory: PricedOrderSchema } },
    async ({ input, dependencyResults, attempt, logger }) => {
      const [existing] = await findPayment.execute({ order_id: input.order_id });
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
      const [inserted] = await insertPayment.execute({
        payment_id: `pay_${randomUUID().replaceAll("-", "").slice(0, 24)}`,
        order_id: input.order_id,
        amount,
        method: input.payment_info.method,
      });
      // No row back: a duplicate delivery charged it meanwhile; that first charge is the answer.
      const charged = inserted ?? (await findPayment.execute({ order_id: input.order_id }))[0];
      if (!charged) throw new RetryableError(`payment for order ${input.order_id} not found after insert`);
      return paymentResult(charged, attempt);
    },
  );
}

function paymentResult(
  payment: Pick<typeof payments.$inferSelect, keyof typeof PAYMENT_COLUMNS>,
  attempt: number,
) {
  return {
    payment_id: payment.payment_id,
    amount_charged: payment.amount,
    currency: payment.currency,
    status: payment.status,
    charged_at: payment.created_at.toISOString(),
    gateway_attempt: attempt,
  };
}
