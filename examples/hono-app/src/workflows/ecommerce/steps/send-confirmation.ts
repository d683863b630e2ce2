// Step 4: the confirmation email, written to the outbox and delivered by the background queue.
import { defineHandler } from "@tasker-ts/tasker";
import { emailSender } from "../../../jobs/email.js";
import type { AppDeps } from "../../../lib/deps.js";
import { confirmationEmail } from "../documents.js";
import { OrderTaskContextSchema, PaymentResultSchema, PricedOrderSchema } from "../schemas.js";

export function sendConfirmationHandler(deps: AppDeps) {
  const sendEmail = emailSender(deps);
  return defineHandler(
    "ecommerce.send_confirmation",
    {
      inputs: OrderTaskContextSchema,
      depends: { validate_inventory: PricedOrderSchema, process_payment: PaymentResultSchema },
    },
    async ({ input, dependencyResults }) => {
      const email = confirmationEmail(
        { id: input.order_id, customer_email: input.customer_email },
        dependencyResults.validate_inventory,
        dependencyResults.process_payment.payment_id,
      );
      const message = await sendEmail({
        dedupeKey: `order:${input.order_id}:confirmation`,
        recipients: [input.customer_email],
        subject: email.subject,
        body: email.body,
      });
      return {
        message_id: message.message_id,
        recipient: input.customer_email,
        subject: message.subject,
        status: message.status,
      };
    },
  );
}
