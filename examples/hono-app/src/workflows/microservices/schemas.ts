// Zod schemas for what crosses a boundary in the microservices workflow: the HTTP body and the
// task context.
import { z } from "zod";

export const REQUEST_TYPES = ["profile_summary", "order_summary", "full_report"] as const;
export const RequestTypeSchema = z.enum(REQUEST_TYPES);
export type RequestType = z.infer<typeof RequestTypeSchema>;

/** Customer ids as the user-profile service knows them, e.g. `cust-001`. */
export const UserIdSchema = z
  .string()
  .trim()
  .min(1, "user_id is required")
  .max(64, "user_id is at most 64 characters")
  .regex(/^[A-Za-z0-9_-]+$/, "user_id may only contain letters, digits, '-' and '_'");

/** POST /services/requests body. */
export const CreateServiceRequestSchema = z
  .object({ user_id: UserIdSchema, request_type: RequestTypeSchema })
  .strict();
export type CreateServiceRequest = z.infer<typeof CreateServiceRequestSchema>;

/** The context every user_request task is created with. */
export const UserRequestContextSchema = z.object({
  service_request_id: z.number().int().positive(),
  user_id: UserIdSchema,
  request_type: RequestTypeSchema,
});
export type UserRequestContext = z.infer<typeof UserRequestContextSchema>;
