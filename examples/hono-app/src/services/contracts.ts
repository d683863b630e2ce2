// The wire contracts of the internal downstream services. The services build their responses
// with these types and the callers parse with the same schemas, so drift is a test failure.
import { z } from "zod";

export const UserProfileSchema = z.object({
  user_id: z.string(),
  name: z.string(),
  email: z.string(),
  tier: z.string(),
  member_since: z.string(),
});
export type UserProfile = z.infer<typeof UserProfileSchema>;

export const OrderHistoryOrderSchema = z.object({
  id: z.number().int(),
  total: z.number(),
  status: z.string(),
  item_count: z.number().int(),
  created_at: z.string(),
});

export const OrderHistorySchema = z.object({
  user_id: z.string(),
  orders: z.array(OrderHistoryOrderSchema),
});
export type OrderHistory = z.infer<typeof OrderHistorySchema>;

export const ServiceErrorSchema = z.object({ error: z.string() });
