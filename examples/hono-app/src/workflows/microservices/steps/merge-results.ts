// merge_results: profile + order statistics, from the two fetch steps' results.
import { defineHandler, PermanentError } from "@tasker-ts/tasker";
import { z } from "zod";
import { OrderHistorySchema, UserProfileSchema } from "../../../services/contracts.js";
import { mergeResults } from "../merge-results.js";

export function mergeResultsHandler() {
  return defineHandler(
    "microservices.merge_results",
    {
      depends: {
        fetch_user_profile: z.object({ profile: UserProfileSchema }),
        fetch_order_history: OrderHistorySchema,
      },
    },
    async ({ dependencyResults }) => {
      try {
        return mergeResults(
          dependencyResults.fetch_user_profile.profile,
          dependencyResults.fetch_order_history,
        );
      } catch (error) {
        throw new PermanentError((error as Error).message, { code: "inconsistent_downstream_data" });
      }
    },
  );
}
