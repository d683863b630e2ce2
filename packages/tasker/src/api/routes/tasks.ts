import { createRoute } from "@hono/zod-openapi";
import { batchPath, invalidBatch, MAX_BATCH_TASKS } from "../../model/task-batch.js";
import { jsonBody } from "../json-body.js";
import { errorResponses, json, secured } from "../route-docs.js";
import {
  CancelQuery,
  ListTasksQuery,
  TaskBatchRequest,
  TaskBatchResponse,
  TaskListResponse,
  TaskParams,
  TaskRequest,
  TaskResponse,
} from "../schemas.js";
import type { ApiApp, RouteDeps } from "./route-deps.js";

const AUTH_ERRORS = ["UNAUTHORIZED", "FORBIDDEN"] as const;
/** What creating one task or a batch can answer besides success. */
const CREATION_ERRORS = [
  "BAD_REQUEST",
  ...AUTH_ERRORS,
  "NOT_FOUND",
  "CONFLICT",
  "PAYLOAD_TOO_LARGE",
  "VALIDATION_ERROR",
  "SERVICE_UNAVAILABLE",
] as const;

/** POST/GET /v1/tasks, GET/DELETE /v1/tasks/{task_uuid}. */
export function registerTaskRoutes(app: ApiApp, deps: RouteDeps): void {
  const { tasker, guard, metrics, countCreates } = deps;

  app.openapi(
    createRoute({
      method: "post",
      path: "/v1/tasks",
      tags: ["tasks"],
      summary: "Create a task",
      description:
        "Creates a task from a registered template. With an `idempotency_key`, repeating the same request " +
        "returns the existing task (200); the same key with a different payload is a 409 naming the existing task.",
      ...secured("tasks:write"),
      middleware: [guard("tasks:write"), jsonBody()] as const,
      request: { body: { required: true, content: { "application/json": { schema: TaskRequest } } } },
      responses: {
        201: json(TaskResponse, "The task was created."),
        200: json(TaskResponse, "A task with this idempotency key and payload already exists."),
        ...errorResponses(...CREATION_ERRORS),
      },
    }),
    async (c) => {
      // The engine checks context limits, the template and its input_schema, all before writing.
      const { task, created } = await tasker.client.createTask(c.req.valid("json"));
      if (created && countCreates) metrics.taskCreated(task.namespace);
      c.header("Location", `/v1/tasks/${task.task_uuid}`);
      return created ? c.json(task, 201) : c.json(task, 200);
    },
  );

  app.openapi(
    createRoute({
      method: "post",
      path: "/v1/tasks/batch",
      tags: ["tasks"],
      summary: "Create many tasks",
      description:
        `Creates up to ${MAX_BATCH_TASKS} tasks in one call and one database statement, all or none: every ` +
        "request is checked first, and an error names the index and field (`tasks[3].context.order_id`). " +
        "Each task is created as `POST /v1/tasks` would create it, idempotency keys included: a task whose " +
        "key exists with the same payload is answered with that task (`created: false`); the same key with " +
        "a different payload is a 409 and nothing is created. A key may appear once per batch. The answer " +
        "lists `{task_uuid, created}` per request, in order; 201 when at least one task was created, else 200. " +
        `More than ${MAX_BATCH_TASKS} tasks, or a body over the request size limit, is a 413.`,
      ...secured("tasks:write"),
      middleware: [guard("tasks:write"), jsonBody()] as const,
      request: { body: { required: true, content: { "application/json": { schema: TaskBatchRequest } } } },
      responses: {
        201: json(TaskBatchResponse, "The tasks were created (some may have existed already)."),
        200: json(TaskBatchResponse, "Every task already existed with this idempotency key and payload."),
        ...errorResponses(...CREATION_ERRORS),
      },
    }),
    async (c) => {
      const requests = c.req.valid("json").tasks;
      const answer = await tasker.client.createTasks(requests);
      if (countCreates) {
        answer.tasks.forEach((t, i) => {
          if (t.created) metrics.taskCreated(requests[i]!.namespace);
        });
      }
      return c.json(answer, answer.tasks.some((t) => t.created) ? 201 : 200);
    },
    // Fields are named as the engine names them in a batch: tasks[3].context.
    (result) => {
      if (!result.success) {
        const issues = result.error.issues.map((i) => ({ path: batchPath(i.path), message: i.message }));
        throw invalidBatch("BAD_REQUEST", "invalid task batch", issues);
      }
      return undefined;
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/v1/tasks",
      tags: ["tasks"],
      summary: "List tasks",
      description: "Newest first, filtered by namespace, name, status or correlation_id; paginated.",
      ...secured("tasks:read"),
      middleware: [guard("tasks:read")] as const,
      request: { query: ListTasksQuery },
      responses: {
        200: json(TaskListResponse, "A page of tasks."),
        ...errorResponses("BAD_REQUEST", ...AUTH_ERRORS),
      },
    }),
    async (c) => c.json(await tasker.client.listTasks(c.req.valid("query")), 200),
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/v1/tasks/{task_uuid}",
      tags: ["tasks"],
      summary: "Get a task with its steps",
      ...secured("tasks:read"),
      middleware: [guard("tasks:read")] as const,
      request: { params: TaskParams },
      responses: {
        200: json(TaskResponse, "The task."),
        ...errorResponses("BAD_REQUEST", ...AUTH_ERRORS, "NOT_FOUND"),
      },
    }),
    async (c) => c.json(await tasker.client.getTask(c.req.valid("param").task_uuid), 200),
  );

  app.openapi(
    createRoute({
      method: "delete",
      path: "/v1/tasks/{task_uuid}",
      tags: ["tasks"],
      summary: "Cancel a task",
      description: "No new steps start; steps already running finish. The task ends `cancelled`.",
      ...secured("tasks:write"),
      middleware: [guard("tasks:write")] as const,
      request: { params: TaskParams, query: CancelQuery },
      responses: {
        200: json(TaskResponse, "The cancelled task."),
        ...errorResponses("BAD_REQUEST", ...AUTH_ERRORS, "NOT_FOUND", "CONFLICT"),
      },
    }),
    async (c) => {
      const { task_uuid } = c.req.valid("param");
      const { reason } = c.req.valid("query");
      return c.json(await tasker.client.cancelTask(task_uuid, reason), 200);
    },
  );
}
