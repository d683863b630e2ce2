// validate_request: the task's context must describe the service_requests row it belongs to.
import { defineHandler, PermanentError } from "@tasker-ts/tasker";
import { eq } from "drizzle-orm";
import { service_requests } from "../../../db/schema.js";
import type { AppDeps } from "../../../lib/deps.js";
import { UserRequestContextSchema } from "../schemas.js";

export function validateRequestHandler({ db }: AppDeps) {
  return defineHandler(
    "microservices.validate_request",
    { inputs: UserRequestContextSchema },
    async ({ input }) => {
      const [row] = await db
        .select()
        .from(service_requests)
        .where(eq(service_requests.id, input.service_request_id))
        .limit(1);
      if (!row) {
        throw new PermanentError(
          `service request ${input.service_request_id} does not exist in service_requests`,
          {
            code: "service_request_not_found",
          },
        );
      }
      if (row.user_id !== input.user_id || row.request_type !== input.request_type) {
        throw new PermanentError(
          `task context (${input.user_id}, ${input.request_type}) does not match service request ${row.id} (${row.user_id}, ${row.request_type})`,
          { code: "context_mismatch" },
        );
      }
      return {
        service_request_id: row.id,
        user_id: row.user_id,
        request_type: input.request_type,
        valid: true,
      };
    },
  );
}
