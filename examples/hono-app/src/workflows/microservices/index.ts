// Workflow 3: microservices coordination (diamond), namespace `microservices`.
// validate_request -> (fetch_user_profile | fetch_order_history) -> merge_results -> format_response
import { resolveServicesBaseUrl } from "../../services/base-url.js";
import type { WorkflowFactory } from "../index.js";
import { microservicesRoutes } from "./routes.js";
import { microservicesHandlers } from "./steps/index.js";

export const microservicesWorkflow: WorkflowFactory = (deps) => ({
  name: "microservices",
  namespaces: ["microservices"],
  routes: microservicesRoutes(deps),
  handlers: microservicesHandlers({
    db: deps.db,
    servicesBaseUrl: () => resolveServicesBaseUrl(deps.config.servicesBaseUrl),
  }),
});
