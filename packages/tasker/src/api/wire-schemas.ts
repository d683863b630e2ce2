// Response shapes of the template and health routes, in plain Zod so that TaskerHttpClient can
// validate them without loading the server side (Hono, OpenAPI). Task and step shapes are in model/.
import { z } from "zod";

export const TemplateSummarySchema = z.object({
  name: z.string(),
  namespace_name: z.string(),
  version: z.string(),
  description: z.string().nullable(),
  step_count: z.number().int(),
  step_names: z.array(z.string()),
});
/** One registered template version in `GET /v1/templates`. */
export type TemplateSummary = z.infer<typeof TemplateSummarySchema>;

export const TemplateListResponseSchema = z.object({
  templates: z.array(TemplateSummarySchema),
  total: z.number().int(),
});
/** The body of `GET /v1/templates`. */
export type TemplateListResponse = z.infer<typeof TemplateListResponseSchema>;

export const TemplateStepSchema = z.object({
  name: z.string(),
  description: z.string().nullable(),
  handler: z.object({ callable: z.string(), initialization: z.record(z.string(), z.unknown()) }),
  dependencies: z.array(z.string()),
  /** standard, decision, deferred_convergence, batchable or batch_worker (docs/templates.md). */
  type: z.string(),
  batch_config: z.unknown(),
  retry: z.unknown(),
  timeout_seconds: z.number().nullable(),
  result_schema: z.unknown(),
});

export const TemplateDetailSchema = z.object({
  name: z.string(),
  namespace_name: z.string(),
  version: z.string(),
  description: z.string().nullable(),
  metadata: z.unknown(),
  input_schema: z.unknown(),
  steps: z.array(TemplateStepSchema),
});
/** The body of `GET /v1/templates/{namespace}/{name}/{version}`: the template with its steps. */
export type TemplateDetail = z.infer<typeof TemplateDetailSchema>;

export const HealthChecksSchema = z.object({ database: z.boolean(), queue: z.boolean() });

export const HealthResponseSchema = z.object({
  status: z.enum(["healthy", "unhealthy"]),
  checks: HealthChecksSchema,
  uptime_seconds: z.number(),
  timestamp: z.string(),
});
/** The body of `GET /health`: overall status, database and queue checks, uptime. */
export type HealthResponse = z.infer<typeof HealthResponseSchema>;
