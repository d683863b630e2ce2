// POST /services/requests, GET /services/requests/:id (mounted at /services/requests)
import { Hono } from "hono";
import { service_requests } from "../../db/schema.js";
import type { AppDeps } from "../../lib/deps.js";
import { createTaskBackedRow, respondWithRowAndTask } from "../../lib/task-backed-rows.js";
import { validate } from "../../lib/validation.js";
import type { UserRequestContext } from "./schemas.js";
import { CreateServiceRequestSchema } from "./schemas.js";

export const USER_REQUEST_TEMPLATE = {
  namespace: "microservices",
  name: "user_request",
  version: "1.0.0",
} as const;

export function serviceRequestRoutes(deps: AppDeps): Hono {
  const app = new Hono();
  app.post("/", validate("json", CreateServiceRequestSchema), (c) => {
    const body = c.req.valid("json");
    return createTaskBackedRow(c, deps, {
      table: service_requests,
      insertRow: async () => {
        const [row] = await deps.db
          .insert(service_requests)
          .values({ user_id: body.user_id, request_type: body.request_type, status: "pending" })
          .returning();
        return row!;
      },
      buildTaskRequest: (row) => ({
        ...USER_REQUEST_TEMPLATE,
        context: {
          service_request_id: row.id,
          user_id: row.user_id,
          request_type: body.request_type,
        } satisfies UserRequestContext,
        initiator: "hono-app",
        source_system: "hono-app",
        reason: `service request ${row.id}: ${body.request_type} for ${body.user_id}`,
        tags: ["microservices", body.request_type],
      }),
    });
  });

  app.get("/:id", (c) =>
    respondWithRowAndTask(c, deps, {
      table: service_requests,
      rawId: c.req.param("id"),
      what: "service request",
    }),
  );

  return app;
}
