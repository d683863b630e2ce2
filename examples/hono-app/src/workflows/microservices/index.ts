// Workflow 3: microservices coordination (diamond), namespace `microservices`.
// validate_request -> (fetch_user_profile | fetch_order_history) -> merge_results -> format_response

import { service_requests } from "../../db/schema.js";
import { rowStatusMapper } from "../../engine/lifecycle.js";
import { createInternalServices, INTERNAL_SERVICES_PATH } from "../../services/internal-services.js";
import type { WorkflowFactory } from "../index.js";
import { serviceRequestRoutes } from "./routes.js";
import { microservicesHandlers } from "./steps/index.js";

export const microservicesWorkflow: WorkflowFactory = (deps) => ({
  name: "microservices",
  namespaces: ["microservices"],
  routes: {
    "/services/requests": serviceRequestRoutes(deps),
    // This app also plays the downstream services (SERVICES_BASE_URL can point elsewhere).
    [INTERNAL_SERVICES_PATH]: createInternalServices(deps.db),
  },
  handlers: microservicesHandlers(deps),
  taskStatusMappers: [rowStatusMapper(service_requests, ["microservices"])],
});
