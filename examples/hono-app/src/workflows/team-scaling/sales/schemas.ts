// The result shapes later sales steps read from earlier ones (validated on read).
import { z } from "zod";
import { DestinationSchema, OrderLineSchema } from "../schemas.js";

export const ReceivedOrderSchema = z.object({
  check_id: z.number().int(),
  order_ref: z.string(),
  lines: z.array(OrderLineSchema),
  total_units: z.number().int(),
  destination: DestinationSchema,
  coupon_code: z.string().nullable(),
  customer_id: z.string().nullable(),
});

export const PricedLineSchema = z.object({
  sku: z.string(),
  name: z.string(),
  quantity: z.number().int(),
  unit_price: z.number(),
  line_total: z.number(),
  weight_kg: z.number(),
  in_stock: z.boolean(),
});
export type PricedLine = z.infer<typeof PricedLineSchema>;

export const ValidatedItemsSchema = z.object({
  lines: z.array(PricedLineSchema),
  subtotal: z.number(),
  total_units: z.number().int(),
  all_in_stock: z.boolean(),
});

export const ShippingResultSchema = z.object({
  zone: z.string(),
  total_weight_kg: z.number(),
  shipping_cost: z.number(),
});

export const DiscountResultSchema = z.object({
  subtotal: z.number(),
  discounts: z.array(
    z.object({ kind: z.string(), code: z.string(), percent: z.number(), amount: z.number() }),
  ),
  discount_percent: z.number(),
  discount_total: z.number(),
  discounted_subtotal: z.number(),
});
