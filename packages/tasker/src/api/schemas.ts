// Schemas that exist only at the HTTP boundary (path/query parameters, templates, health).
// Task and step shapes come from model/; here they only get their OpenAPI component names.
import { z } from "@hono/zod-openapi";
import { ErrorEnvelopeSchema } from "../model/errors.js";
import { StepActionSchema } from "../model/step-action.js";
import { isStorableText, UNSTORABLE_TEXT_MESSAGE } from "../model/storable-text.js";
import { TaskBatchResponseSchema } from "../model/task-batch.js";
import { NAMESPACE_PATTERN, TaskRequestSchema, TEMPLATE_NAME_PATTERN } from "../model/task-request.js";
import {
  ListTasksQuerySchema,
  StepResponseSchema,
  StepTransitionSchema,
  TaskListResponseSchema,
  TaskResponseSchema,
} from "../model/task-response.js";
import {
  HealthChecksSchema,
  HealthResponseSchema,
  TemplateDetailSchema,
  TemplateListResponseSchema,
  TemplateSummarySchema,
} from "./wire-schemas.js";

/**
 * Names a model schema as an OpenAPI component. The model's schemas may be created before
 * @hono/zod-openapi adds `.openapi()` to Zod (import order), so a fresh clone gets the name.
 */
function named<T extends z.ZodType>(schema: T, name: string): T {
  return schema.clone().openapi(name);
}

export const ErrorEnvelope = named(ErrorEnvelopeSchema, "ErrorEnvelope");
export const TaskRequest = named(TaskRequestSchema, "TaskRequest");
export const TaskBatchRequest = z
  .object({ tasks: z.array(TaskRequest).min(1, "send at least one task") })
  .strict()
  .openapi("TaskBatchRequest");
export const TaskBatchResponse = named(TaskBatchResponseSchema, "TaskBatchResponse");
export const TaskResponse = named(TaskResponseSchema, "TaskResponse");
export const TaskListResponse = named(TaskListResponseSchema, "TaskListResponse");
export const StepResponse = named(StepResponseSchema, "StepResponse");
export const StepAction = named(StepActionSchema, "StepAction");
export const StepTransition = named(StepTransitionSchema, "StepTransition");
export const ListTasksQuery = ListTasksQuerySchema;

const uuidParam = (name: string) =>
  z
    .guid({ error: `${name} must be a UUID like 01890a5d-ac96-774b-bcce-b302099a8057` })
    .openapi({ param: { name, in: "path" }, example: "01890a5d-ac96-774b-bcce-b302099a8057" });

export const TaskParams = z.object({ task_uuid: uuidParam("task_uuid") });
export const StepParams = z.object({ task_uuid: uuidParam("task_uuid"), step_uuid: uuidParam("step_uuid") });

export const CancelQuery = z.object({
  reason: z
    .string()
    .max(1000)
    .refine(isStorableText, UNSTORABLE_TEXT_MESSAGE)
    .optional()
    .openapi({ description: "Why the task is cancelled; kept on the transition." }),
});

export const TemplateParams = z.object({
  namespace: z
    .string()
    .regex(NAMESPACE_PATTERN, "namespace must be 1-29 characters of [A-Za-z0-9_]")
    .openapi({ param: { name: "namespace", in: "path" }, example: "ecommerce" }),
  name: z
    .string()
    .regex(TEMPLATE_NAME_PATTERN, "name must match ^[a-z][a-z0-9_]*$")
    .openapi({ param: { name: "name", in: "path" }, example: "order_processing" }),
  version: z
    .string()
    .min(1)
    .max(64)
    .regex(/^[0-9A-Za-z.+-]+$/, "version must be a semver string like 1.0.0")
    .openapi({ param: { name: "version", in: "path" }, example: "1.0.0" }),
});

export const TemplateListQuery = z.object({
  namespace: z
    .string()
    .max(64)
    .refine(isStorableText, UNSTORABLE_TEXT_MESSAGE)
    .optional()
    .openapi({ description: "Only templates of this namespace." }),
});

export const TemplateSummary = named(TemplateSummarySchema, "TemplateSummary");
export const TemplateListResponse = named(TemplateListResponseSchema, "TemplateListResponse");
export const TemplateDetail = named(TemplateDetailSchema, "TemplateDetail");

export const LiveResponse = z.object({ status: z.literal("alive") }).openapi("LiveResponse");

export const ReadyResponse = z
  .object({ status: z.enum(["ready", "not_ready"]), checks: HealthChecksSchema })
  .openapi("ReadyResponse");

export const HealthResponse = named(HealthResponseSchema, "HealthResponse");
