// POST /services/requests, GET /services/requests/:id (mounted at /services/requests)
import { Hono } from "hono";
import { service_requests } from "../../db/schema.js";
import { recordTaskStarted } from "../../engine/task-rows.js";
import type { AppDeps } from "../../lib/deps.js";
import { respondWithRowAndTask, taskForRow, taskRefused } from "../../lib/task-backed-rows.js";
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
  app.post("/", validate("json", CreateServiceRequestSchema), async (c) => {
    const body = c.req.valid("json");
    const [request] = await deps.db
      .insert(service_requests)
      .values({ user_id: body.user_id, request_type: body.request_type, status: "pending" })
      .returning();
    if (!request) throw new Error("inserting the service request returned no row");
    const context: UserRequestContext = {
      service_request_id: request.id,
      user_id: request.user_id,
      request_type: body.request_type,
    };
    let taskUuid: string;
    try {
      const task = taskForRow(deps, service_requests, request, {
        ...USER_REQUEST_TEMPLATE,
        context,
        initiator: "hono-app",
        source_system: "hono-app",
        reason: `service request ${request.id}: ${body.request_type} for ${body.user_id}`,
        tags: ["microservices", body.request_type],
      });
      taskUuid = (await deps.tasker.client.createTask(task)).task.task_uuid;
    } catch (error) {
      return taskRefused(c, deps, service_requests, request, error);
    }
    return c.json(await recordTaskStarted(deps.db, service_requests, request.id, taskUuid), 201);
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
