// format_response: shape the answer for the request type and store it on the service request.
// Writing the same result again is harmless, so a retried step is idempotent.
import { defineHandler, PermanentError } from "@tasker-ts/tasker";
import { eq } from "drizzle-orm";
import { z } from "zod";
import { service_requests } from "../../../db/schema.js";
import type { AppDeps } from "../../../lib/deps.js";
import { formatResponse } from "../format-response.js";
import type { MergedCustomerView } from "../merge-results.js";
import { UserRequestContextSchema } from "../schemas.js";

const MergedViewSchema = z.custom<MergedCustomerView>(
  (v) => typeof v === "object" && v !== null && "order_stats" in v && "profile" in v,
  "merge_results must return a profile and order_stats",
);

export function formatResponseHandler({ db }: AppDeps) {
  return defineHandler(
    "microservices.format_response",
    { inputs: UserRequestContextSchema, depends: { merge_results: MergedViewSchema } },
    async ({ input, dependencyResults }) => {
      const response = formatResponse(input.request_type, dependencyResults.merge_results);
      const saved = await db
        .update(service_requests)
        .set({ result: response, updated_at: new Date() })
        .where(eq(service_requests.id, input.service_request_id))
        .returning({ id: service_requests.id });
      if (saved.length === 0) {
        throw new PermanentError(
          `service request ${input.service_request_id} disappeared before its result was saved`,
          {
            code: "service_request_not_found",
          },
        );
      }
      return { service_request_id: input.service_request_id, request_type: input.request_type, response };
    },
  );
}
