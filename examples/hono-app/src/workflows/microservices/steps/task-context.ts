import { z } from "zod";
import { RequestTypeSchema, UserIdSchema } from "../request-types.js";

/** The context every user_request task is created with. */
export const UserRequestContextSchema = z.object({
  service_request_id: z.number().int().positive(),
  user_id: UserIdSchema,
  request_type: RequestTypeSchema,
});
export type UserRequestContext = z.infer<typeof UserRequestContextSchema>;

/** The x-request-id the fetch steps send, so downstream logs (and faults) are per request. */
export function downstreamRequestId(serviceRequestId: number): string {
  return `service-request-${serviceRequestId}`;
}
