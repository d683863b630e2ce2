import { z } from "zod";
import { codeForStatus } from "../client/http-client.js";
import { ErrorEnvelopeSchema, TaskerError } from "../model/errors.js";
import { STEP_TYPES } from "../template/schema.js";
import type { ApiOptions } from "./options.js";

// The template routes are not on TaskerHttpClient (yet), so the CLI reads them itself.

export const ServerTemplateSummarySchema = z.object({
  name: z.string(),
  namespace_name: z.string(),
  version: z.string(),
  description: z.string().nullable().optional(),
  step_count: z.number().int(),
  step_names: z.array(z.string()).optional(),
});
export type ServerTemplateSummary = z.infer<typeof ServerTemplateSummarySchema>;

const TemplateListSchema = z.object({
  templates: z.array(ServerTemplateSummarySchema),
  total: z.number().int(),
});

const ServerTemplateSchema = z.object({
  name: z.string(),
  namespace_name: z.string(),
  version: z.string(),
  steps: z.array(
    z.object({
      name: z.string(),
      dependencies: z.array(z.string()),
      // Absent from servers older than the run-time step types: every step is then standard.
      type: z.enum(STEP_TYPES).optional(),
    }),
  ),
});
export type ServerTemplate = z.infer<typeof ServerTemplateSchema>;

async function getJson<T extends z.ZodType>(
  options: ApiOptions,
  path: string,
  schema: T,
): Promise<z.output<T>> {
  const base = options.url.replace(/\/+$/, "");
  const headers: Record<string, string> = { Accept: "application/json" };
  if (options.apiKey) headers["X-API-Key"] = options.apiKey;
  let response: Response;
  try {
    response = await fetch(`${base}${path}`, { headers, signal: AbortSignal.timeout(10_000) });
  } catch (err) {
    const cause = (err as { cause?: { code?: string } }).cause;
    throw new TaskerError(
      "SERVICE_UNAVAILABLE",
      `cannot reach the orchestration API at ${base} (${cause?.code ?? (err as Error).message}); is it running?`,
    );
  }
  const text = await response.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  if (!response.ok) {
    const envelope = ErrorEnvelopeSchema.safeParse(json);
    if (envelope.success) {
      throw new TaskerError(
        envelope.data.error.code,
        envelope.data.error.message,
        envelope.data.error.details,
      );
    }
    throw new TaskerError(codeForStatus(response.status), `GET ${path} failed with HTTP ${response.status}`);
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    throw new TaskerError(
      "INTERNAL_ERROR",
      `GET ${path} answered with an unexpected shape; is ${base} a tasker orchestration API?`,
    );
  }
  return parsed.data;
}

export async function listServerTemplates(options: ApiOptions): Promise<ServerTemplateSummary[]> {
  return (await getJson(options, "/v1/templates", TemplateListSchema)).templates;
}

export function getServerTemplate(
  options: ApiOptions,
  key: { namespace: string; name: string; version: string },
): Promise<ServerTemplate> {
  const path = [key.namespace, key.name, key.version].map(encodeURIComponent).join("/");
  return getJson(options, `/v1/templates/${path}`, ServerTemplateSchema);
}
