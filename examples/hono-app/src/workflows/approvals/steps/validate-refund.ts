// validate_refund: the task's context must describe the refunds row it belongs to.
import { defineHandler, PermanentError } from "@tasker-ts/tasker";
import { eq } from "drizzle-orm";
import { refunds } from "../../../db/schema.js";
import type { AppDeps } from "../../../lib/deps.js";
import { RefundContextSchema } from "../schemas.js";

export function validateRefundHandler({ db }: AppDeps) {
  return defineHandler("approvals.validate_refund", { inputs: RefundContextSchema }, async ({ input }) => {
    const [row] = await db.select().from(refunds).where(eq(refunds.id, input.refund_id)).limit(1);
    if (!row) {
      throw new PermanentError(`refund ${input.refund_id} does not exist in refunds`, {
        code: "refund_not_found",
      });
    }
    if (row.order_ref !== input.order_ref || row.amount !== input.amount) {
      throw new PermanentError(
        `task context (${input.order_ref}, ${input.amount}) does not match refund ${row.id} (${row.order_ref}, ${row.amount})`,
        { code: "context_mismatch" },
      );
    }
    return { refund_id: row.id, amount: row.amount, valid: true };
  });
}
