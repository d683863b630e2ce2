import type { StepHandler } from "@tasker-ts/tasker";
import type { AppDeps } from "../../../lib/deps.js";
import { fetchOrderHistoryHandler } from "./fetch-order-history.js";
import { fetchUserProfileHandler } from "./fetch-user-profile.js";
import { formatResponseHandler } from "./format-response.js";
import { mergeResultsHandler } from "./merge-results.js";
import { validateRequestHandler } from "./validate-request.js";

/** The handlers of templates/microservices/user_request.yaml, one per step. */
export function microservicesHandlers(deps: AppDeps): StepHandler[] {
  return [
    validateRequestHandler(deps),
    fetchUserProfileHandler(deps),
    fetchOrderHistoryHandler(deps),
    mergeResultsHandler(),
    formatResponseHandler(deps),
  ];
}
