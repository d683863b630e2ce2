// fetch_user_profile: GET {services}/users/:id over HTTP (404 permanent, 5xx/timeout retryable).
import { defineHandler } from "@tasker-ts/tasker";
import type { AppDeps } from "../../../lib/deps.js";
import { resolveServicesBaseUrl } from "../../../services/base-url.js";
import { UserProfileSchema } from "../../../services/contracts.js";
import { REQUEST_ID_HEADER } from "../../../services/internal-services.js";
import { callDownstream, DEFAULT_CALL_TIMEOUT_MS, downstreamRequestId } from "../downstream-call.js";
import { UserRequestContextSchema } from "../schemas.js";

export function fetchUserProfileHandler(deps: AppDeps) {
  return defineHandler(
    "microservices.fetch_user_profile",
    { inputs: UserRequestContextSchema },
    async ({ input, signal, initialization, attempt }) => {
      const profile = await callDownstream({
        service: "user_profiles",
        url: `${servicesBaseUrl(deps)}/users/${encodeURIComponent(input.user_id)}`,
        schema: UserProfileSchema,
        signal,
        timeoutMs: callTimeoutMs(initialization),
        headers: { [REQUEST_ID_HEADER]: downstreamRequestId(input.service_request_id) },
      });
      return { service: "user_profiles", profile, attempt };
    },
  );
}

/** `handler.initialization.call_timeout_ms` from the template, else the default. */
export function callTimeoutMs(initialization: Record<string, unknown>): number {
  const value = initialization.call_timeout_ms;
  return typeof value === "number" && value > 0 ? value : DEFAULT_CALL_TIMEOUT_MS;
}

/** Read per call, so a server that learns its port after start-up can still set it. */
export function servicesBaseUrl(deps: AppDeps): string {
  return resolveServicesBaseUrl(deps.config.servicesBaseUrl);
}
