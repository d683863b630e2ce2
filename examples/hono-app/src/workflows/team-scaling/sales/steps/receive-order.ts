// receive_order: acknowledge the order for its compliance check, one line per sku.
import { defineHandler, PermanentError } from "@tasker-ts/tasker";
import { eq } from "drizzle-orm";
import { compliance_checks } from "../../../../db/schema.js";
import type { AppDeps } from "../../../../lib/deps.js";
import { CheckTaskContextSchema } from "../../schemas.js";
import { normalizeOrderLines } from "../order-lines.js";

export function receiveOrderHandler({ db }: AppDeps) {
  return defineHandler("sales.receive_order", { inputs: CheckTaskContextSchema }, async ({ input }) => {
    const [check] = await db
      .select({ id: compliance_checks.id })
      .from(compliance_checks)
      .where(eq(compliance_checks.id, input.check_id))
      .limit(1);
    if (!check) {
      throw new PermanentError(`compliance check ${input.check_id} does not exist`, {
        code: "check_not_found",
      });
    }
    const { lines, total_units } = normalizeOrderLines(input.items);
    return {
      check_id: input.check_id,
      order_ref: input.order_ref,
      lines,
      total_units,
      destination: input.destination,
      coupon_code: input.coupon_code ?? null,
      customer_id: input.customer_id ?? null,
    };
  });
}
