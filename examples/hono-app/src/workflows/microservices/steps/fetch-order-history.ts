// fetch_order_history: GET {services}/users/:id/orders over HTTP, in parallel with the profile.
import { defineHandler } from "@tasker-ts/tasker";
import type { AppDeps } from "../../../lib/deps.js";
import { OrderHistorySchema } from "../../../services/contracts.js";
import { REQUEST_ID_HEADER } from "../../../services/internal-services.js";
import { callDownstream, downstreamRequestId } from "../downstream-call.js";
import { UserRequestContextSchema } from "../schemas.js";
import { callTimeoutMs, servicesBaseUrl } from "./fetch-user-profile.js";

export function fetchOrderHistoryHandler(deps: AppDeps) {
  return defineHandler(
    "microservices.fetch_order_history",
    { inputs: UserRequestContextSchema },
    async ({ input, signal, initialization, attempt }) => {
      const history = await callDownstream({
        service: "order_history",
        url: `${servicesBaseUrl(deps)}/users/${encodeURIComponent(input.user_id)}/orders`,
        schema: OrderHistorySchema,
        signal,
        timeoutMs: callTimeoutMs(initialization),
        headers: { [REQUEST_ID_HEADER]: downstreamRequestId(input.service_request_id) },
      });
      return { service: "order_history", user_id: history.user_id, orders: history.orders, attempt };
    },
  );
}
