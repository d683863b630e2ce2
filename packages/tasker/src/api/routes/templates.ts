import { createRoute, z } from "@hono/zod-openapi";
import { TaskerError } from "../../model/errors.js";
import { resolveEnvironment } from "../../template/environments.js";
import { TemplateValidationError } from "../../template/errors.js";
import { parseTemplate } from "../../template/load.js";
import type { TaskTemplate } from "../../template/schema.js";
import { jsonBody } from "../json-body.js";
import { errorResponses, json, secured } from "../route-docs.js";
import {
  TemplateDetail as TemplateDetailSchema,
  TemplateListQuery,
  TemplateListResponse,
  TemplateParams,
} from "../schemas.js";
import type { TemplateDetail, TemplateSummary } from "../wire-schemas.js";
import type { ApiApp, RouteDeps } from "./route-deps.js";

/** The list entry for a template: what it is and which steps it runs. */
export function templateSummary(t: TaskTemplate): TemplateSummary {
  return {
    name: t.name,
    namespace_name: t.namespace_name,
    version: t.version,
    description: t.description ?? null,
    step_count: t.steps.length,
    step_names: t.steps.map((s) => s.name),
  };
}

/** The full template as JSON, limited to the spec's keys (never handler code or internals). */
export function templateDetail(t: TaskTemplate): TemplateDetail {
  return {
    name: t.name,
    namespace_name: t.namespace_name,
    version: t.version,
    description: t.description ?? null,
    metadata: t.metadata ?? null,
    input_schema: t.input_schema ?? null,
    steps: t.steps.map((s) => ({
      name: s.name,
      description: s.description ?? null,
      handler: { callable: s.handler.callable, initialization: s.handler.initialization ?? {} },
      dependencies: [...(s.dependencies ?? [])],
      type: s.type,
      batch_config: s.batch_config ?? null,
      retry: s.retry ?? null,
      timeout_seconds: s.timeout_seconds ?? null,
      result_schema: s.result_schema ?? null,
    })),
  };
}

const RegisterTemplateRequest = z
  .object({
    yaml: z
      .string()
      .min(1)
      .max(512 * 1024)
      .describe("The template file's text (YAML, or JSON, which is YAML too)."),
  })
  .strict()
  .openapi("RegisterTemplateRequest");

/** GET /v1/templates, GET /v1/templates/{namespace}/{name}/{version}, POST /v1/templates. */
export function registerTemplateRoutes(app: ApiApp, deps: RouteDeps): void {
  const { tasker, guard } = deps;

  app.openapi(
    createRoute({
      method: "get",
      path: "/v1/templates",
      tags: ["templates"],
      summary: "List registered task templates",
      ...secured("templates:read"),
      middleware: [guard("templates:read")] as const,
      request: { query: TemplateListQuery },
      responses: {
        200: json(TemplateListResponse, "Every registered template version."),
        ...errorResponses("BAD_REQUEST", "UNAUTHORIZED", "FORBIDDEN"),
      },
    }),
    async (c) => {
      const { namespace } = c.req.valid("query");
      const all = await tasker.templates.list();
      const templates = all
        .filter((t) => namespace === undefined || t.namespace_name === namespace)
        .map(templateSummary)
        .sort((a, b) =>
          `${a.namespace_name}/${a.name}/${a.version}`.localeCompare(
            `${b.namespace_name}/${b.name}/${b.version}`,
          ),
        );
      return c.json({ templates, total: templates.length }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/v1/templates/{namespace}/{name}/{version}",
      tags: ["templates"],
      summary: "Get one template version",
      ...secured("templates:read"),
      middleware: [guard("templates:read")] as const,
      request: { params: TemplateParams },
      responses: {
        200: json(TemplateDetailSchema, "The template."),
        ...errorResponses("BAD_REQUEST", "UNAUTHORIZED", "FORBIDDEN", "NOT_FOUND"),
      },
    }),
    async (c) => {
      const { namespace, name, version } = c.req.valid("param");
      const template = await tasker.templates.get(namespace, name, version);
      if (!template) {
        throw new TaskerError(
          "NOT_FOUND",
          `template ${namespace}/${name}@${version} is not registered; list the registered ones with GET /v1/templates`,
          { namespace, name, version },
        );
      }
      return c.json(templateDetail(template), 200);
    },
  );

  app.openapi(
    createRoute({
      method: "post",
      path: "/v1/templates",
      tags: ["templates"],
      summary: "Register a task template",
      description:
        "Validates a template given as its YAML text and registers it (a worker that has no database access registers its app's templates this way). The server's TASKER_ENV overrides apply, as for template files. Registering the same version again with the same content changes nothing.",
      ...secured("templates:write"),
      middleware: [guard("templates:write"), jsonBody()] as const,
      request: {
        body: { required: true, content: { "application/json": { schema: RegisterTemplateRequest } } },
      },
      responses: {
        200: json(TemplateDetailSchema, "The template as registered."),
        ...errorResponses(
          "BAD_REQUEST",
          "UNAUTHORIZED",
          "FORBIDDEN",
          "PAYLOAD_TOO_LARGE",
          "VALIDATION_ERROR",
        ),
      },
    }),
    async (c) => {
      let template: TaskTemplate;
      try {
        const parsed = parseTemplate(c.req.valid("json").yaml, "<request>");
        template = resolveEnvironment(parsed.template, process.env.TASKER_ENV);
        // Checked again with the server's decision limits.
        await tasker.templates.register([template]);
      } catch (err) {
        if (!(err instanceof TemplateValidationError)) throw err;
        throw new TaskerError("VALIDATION_ERROR", `the template is not valid: ${err.message}`, {
          field: "yaml",
          issues: err.issues.map((i) => ({
            ...(i.step ? { step: i.step } : {}),
            key: i.key,
            message: i.message,
          })),
        });
      }
      return c.json(templateDetail(template), 200);
    },
  );
}
