import { createRoute, z } from "@hono/zod-openapi";
import { jsonBody } from "../json-body.js";
import { assertWithinContextLimits } from "../json-limits.js";
import { errorResponses, json, secured } from "../route-docs.js";
import { StepAction, StepParams, StepResponse, StepTransition, TaskParams } from "../schemas.js";
import type { ApiApp, RouteDeps } from "./route-deps.js";

const AUTH_ERRORS = ["UNAUTHORIZED", "FORBIDDEN"] as const;

/** The workflow step routes under /v1/tasks/{task_uuid}/workflow_steps. */
export function registerStepRoutes(app: ApiApp, deps: RouteDeps): void {
  const { tasker, guard } = deps;

  app.openapi(
    createRoute({
      method: "get",
      path: "/v1/tasks/{task_uuid}/workflow_steps",
      tags: ["steps"],
      summary: "List a task's steps",
      ...secured("tasks:read"),
      middleware: [guard("tasks:read")] as const,
      request: { params: TaskParams },
      responses: {
        200: json(z.array(StepResponse), "The steps, in template order."),
        ...errorResponses("BAD_REQUEST", ...AUTH_ERRORS, "NOT_FOUND"),
      },
    }),
    async (c) => c.json(await tasker.client.listTaskSteps(c.req.valid("param").task_uuid), 200),
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/v1/tasks/{task_uuid}/workflow_steps/{step_uuid}",
      tags: ["steps"],
      summary: "Get a step with its results and error",
      ...secured("tasks:read"),
      middleware: [guard("tasks:read")] as const,
      request: { params: StepParams },
      responses: {
        200: json(StepResponse, "The step."),
        ...errorResponses("BAD_REQUEST", ...AUTH_ERRORS, "NOT_FOUND"),
      },
    }),
    async (c) => {
      const { task_uuid, step_uuid } = c.req.valid("param");
      return c.json(await tasker.client.getStep(task_uuid, step_uuid), 200);
    },
  );

  app.openapi(
    createRoute({
      method: "patch",
      path: "/v1/tasks/{task_uuid}/workflow_steps/{step_uuid}",
      tags: ["steps"],
      summary: "Retry, resolve or complete a step by hand",
      description:
        "For a step that failed (`error`) or is waiting for a retry (`waiting_for_retry`). `reset_for_retry` " +
        "puts a failed step back in line; `resolve_manually` marks it resolved without a result; " +
        "`complete_manually` completes it with `completion_data.result`, which dependent steps receive. A step " +
        "in any other state (not run yet, running, finished) is refused with 409, naming its state.",
      ...secured("steps:resolve"),
      middleware: [guard("steps:resolve"), jsonBody()] as const,
      request: {
        params: StepParams,
        body: { required: true, content: { "application/json": { schema: StepAction } } },
      },
      responses: {
        200: json(StepResponse, "The step after the action."),
        ...errorResponses("BAD_REQUEST", ...AUTH_ERRORS, "NOT_FOUND", "CONFLICT", "PAYLOAD_TOO_LARGE"),
      },
    }),
    async (c) => {
      const { task_uuid, step_uuid } = c.req.valid("param");
      const action = c.req.valid("json");
      if (action.action_type === "complete_manually") {
        assertWithinContextLimits(action.completion_data.result, "completion_data.result");
      }
      return c.json(await tasker.client.updateStep(task_uuid, step_uuid, action), 200);
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/v1/tasks/{task_uuid}/workflow_steps/{step_uuid}/audit",
      tags: ["steps"],
      summary: "A step's transition history",
      description: "Every state change of the step, oldest first, with the event and its metadata.",
      ...secured("tasks:read"),
      middleware: [guard("tasks:read")] as const,
      request: { params: StepParams },
      responses: {
        200: json(z.array(StepTransition), "The transitions."),
        ...errorResponses("BAD_REQUEST", ...AUTH_ERRORS, "NOT_FOUND"),
      },
    }),
    async (c) => {
      const { task_uuid, step_uuid } = c.req.valid("param");
      return c.json(await tasker.client.getStepAudit(task_uuid, step_uuid), 200);
    },
  );
}
