// Zod schemas for what crosses a boundary in the approvals workflow: the HTTP body, the task
// context and the approval steps' results that record_outcome reads.
import { z } from "zod";
import { REFUND_DECISIONS } from "../../db/schema.js";

/** POST /refunds body. */
export const CreateRefundSchema = z
  .object({
    order_ref: z
      .string()
      .trim()
      .min(1, "order_ref is required")
      .max(64, "order_ref is at most 64 characters")
      .regex(/^[A-Za-z0-9_-]+$/, "order_ref may only contain letters, digits, '-' and '_'"),
    amount: z
      .number()
      .positive("amount must be above 0")
      .max(99_999_999.99, "amount must be below 100,000,000")
      .multipleOf(0.01, "amount has at most two decimals"),
    reason: z.string().trim().max(500, "reason is at most 500 characters").optional(),
  })
  .strict();
export type CreateRefund = z.infer<typeof CreateRefundSchema>;

/** The context every refund_approval task is created with. */
export const RefundContextSchema = z.object({
  refund_id: z.number().int().positive(),
  order_ref: z.string().min(1),
  amount: z.number().positive(),
});
export type RefundContext = z.infer<typeof RefundContextSchema>;

/** What auto_approve and manager_approval return: the approval, and who gave it. */
export const ApprovalSchema = z.object({
  decision: z.enum(REFUND_DECISIONS),
  decided_by: z.enum(["auto", "manager"]),
  note: z.string(),
});
export type Approval = z.infer<typeof ApprovalSchema>;
