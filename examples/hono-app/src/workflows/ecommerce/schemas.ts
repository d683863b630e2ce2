// Zod schemas for what crosses a boundary in the e-commerce workflow: the HTTP body, the task
// context, and the step results other steps read.
import { z } from "zod";

export const NAMESPACE = "ecommerce";
export const TEMPLATE_NAME = "order_processing";
export const TEMPLATE_VERSION = "1.0.0";

export const OrderItemSchema = z.object({
  sku: z.string().trim().min(1, "sku is required").max(64),
  quantity: z.number().int("quantity must be a whole number").min(1).max(1000),
});

export const PaymentInfoSchema = z.object({
  method: z.literal("card", { error: 'method must be "card"' }),
  token: z.string().min(1, "token is required, e.g. tok_visa").max(255),
});

export const CreateOrderBodySchema = z
  .object({
    customer_email: z.email("customer_email must be an email address"),
    items: z
      .array(OrderItemSchema)
      .min(1, "an order needs at least one item")
      .max(100, "at most 100 items per order")
      .superRefine((items, ctx) => {
        const seen = new Set<string>();
        items.forEach((item, index) => {
          if (seen.has(item.sku)) {
            ctx.addIssue({
              code: "custom",
              path: [index, "sku"],
              message: `sku "${item.sku}" appears twice; put the total quantity on one line`,
            });
          }
          seen.add(item.sku);
        });
      }),
    payment_info: PaymentInfoSchema,
  })
  // Prices come from the catalog; a client-sent total is a mistake worth reporting.
  .strict();
export type CreateOrderBody = z.infer<typeof CreateOrderBodySchema>;

/** The task context of order_processing (also its template's input_schema). */
export const OrderTaskContextSchema = z.object({
  order_id: z.number().int().positive(),
  customer_email: z.string(),
  items: z.array(OrderItemSchema).min(1),
  payment_info: PaymentInfoSchema,
});
export type OrderTaskContext = z.infer<typeof OrderTaskContextSchema>;

const Money = z.number().nonnegative();

export const PricedOrderSchema = z.object({
  lines: z.array(
    z.object({
      sku: z.string(),
      name: z.string(),
      quantity: z.number().int(),
      unit_price: Money,
      line_total: Money,
      weight_kg: z.number(),
    }),
  ),
  item_count: z.number().int(),
  subtotal: Money,
  tax: Money,
  shipping: Money,
  total: Money,
  currency: z.literal("USD"),
});

export const PaymentResultSchema = z.object({
  payment_id: z.string(),
  amount_charged: Money,
  currency: z.string(),
});
