// POST /compliance/checks body, and the task context both teams' tasks receive.

import { NAMESPACE_PATTERN } from "@tasker-ts/tasker/client";
import { z } from "zod";

export const OrderLineSchema = z.object({
  sku: z.string().trim().min(1, "sku is required").max(64),
  quantity: z.number().int("quantity must be a whole number").min(1).max(1000),
});
export type OrderLine = z.infer<typeof OrderLineSchema>;

export const DestinationSchema = z
  .object({
    country: z
      .string()
      .trim()
      .toUpperCase()
      .regex(/^[A-Z]{2}$/, "country must be an ISO 3166-1 alpha-2 code such as US or DE"),
    region: z.string().trim().min(1).max(64).optional(),
  })
  .strict();
export type Destination = z.infer<typeof DestinationSchema>;

export const CreateComplianceCheckSchema = z
  .object({
    order_ref: z.string().trim().min(1, "order_ref is required").max(100),
    items: z.array(OrderLineSchema).min(1, "items needs at least one line").max(100),
    destination: DestinationSchema,
    coupon_code: z.string().trim().toUpperCase().min(1).max(32).optional(),
    /** The business unit the check is filed under (a label on the row, default `default`). */
    namespace: z
      .string()
      .regex(NAMESPACE_PATTERN, "namespace must be 1-29 characters of letters, digits and _")
      .optional(),
    /** Optional: a customer id (e.g. cust-001) whose tier earns a loyalty discount. */
    customer_id: z.string().trim().min(1).max(64).optional(),
  })
  .strict();
export type CreateComplianceCheck = z.infer<typeof CreateComplianceCheckSchema>;

/** What both tasks get as their context; the row id ties the steps back to the check. */
export const CheckTaskContextSchema = z.object({
  check_id: z.number().int().positive(),
  order_ref: z.string(),
  items: z.array(OrderLineSchema).min(1),
  destination: DestinationSchema,
  coupon_code: z.string().optional(),
  customer_id: z.string().optional(),
});
export type CheckTaskContext = z.infer<typeof CheckTaskContextSchema>;

export function taskContextFor(checkId: number, body: CreateComplianceCheck): CheckTaskContext {
  return {
    check_id: checkId,
    order_ref: body.order_ref,
    items: body.items,
    destination: body.destination,
    ...(body.coupon_code ? { coupon_code: body.coupon_code } : {}),
    ...(body.customer_id ? { customer_id: body.customer_id } : {}),
  };
}
