import type { StepHandler } from "@tasker-ts/tasker";
import { fetchOrderHistoryHandler } from "./fetch-order-history.js";
import { fetchUserProfileHandler } from "./fetch-user-profile.js";
import { formatResponseHandler } from "./format-response-step.js";
import { mergeResultsHandler } from "./merge-results-step.js";
import type { MicroservicesStepDeps } from "./step-deps.js";
import { validateRequestHandler } from "./validate-request.js";

export type { MicroservicesStepDeps } from "./step-deps.js";

/** The handlers of templates/microservices/user_request.yaml, one per step. */
export function microservicesHandlers(deps: MicroservicesStepDeps): StepHandler[] {
  return [
    validateRequestHandler(deps),
    fetchUserProfileHandler(deps),
    fetchOrderHistoryHandler(deps),
    mergeResultsHandler(),
    formatResponseHandler(deps),
  ];
}
