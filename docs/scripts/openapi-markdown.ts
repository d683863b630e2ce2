// Renders an OpenAPI 3 document as the Markdown reference in docs/api.md. Pure: the document in,
// the page out, so the page can be regenerated (and checked for staleness) from the running code.
import { z } from "zod";

/** A JSON Schema as OpenAPI 3.0 writes it; only the keywords this page shows are named. */
export interface Schema {
  $ref?: string;
  type?: string;
  format?: string;
  pattern?: string;
  enum?: unknown[];
  const?: unknown;
  items?: Schema;
  properties?: Record<string, Schema>;
  required?: string[];
  additionalProperties?: boolean | Schema;
  oneOf?: Schema[];
  anyOf?: Schema[];
  allOf?: Schema[];
  nullable?: boolean;
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  minItems?: number;
  maxItems?: number;
  default?: unknown;
  example?: unknown;
  description?: string;
}

const SchemaSchema: z.ZodType<Schema> = z.lazy(() =>
  z.looseObject({
    $ref: z.string().optional(),
    type: z.string().optional(),
    format: z.string().optional(),
    pattern: z.string().optional(),
    enum: z.array(z.unknown()).optional(),
    const: z.unknown().optional(),
    items: SchemaSchema.optional(),
    properties: z.record(z.string(), SchemaSchema).optional(),
    required: z.array(z.string()).optional(),
    additionalProperties: z.union([z.boolean(), SchemaSchema]).optional(),
    oneOf: z.array(SchemaSchema).optional(),
    anyOf: z.array(SchemaSchema).optional(),
    allOf: z.array(SchemaSchema).optional(),
    nullable: z.boolean().optional(),
    minimum: z.number().optional(),
    maximum: z.number().optional(),
    minLength: z.number().optional(),
    maxLength: z.number().optional(),
    minItems: z.number().optional(),
    maxItems: z.number().optional(),
    default: z.unknown().optional(),
    example: z.unknown().optional(),
    description: z.string().optional(),
  }),
);

const MediaSchema = z.looseObject({ schema: SchemaSchema.optional() });

const OperationSchema = z.looseObject({
  tags: z.array(z.string()).default([]),
  summary: z.string().default(""),
  description: z.string().optional(),
  security: z.array(z.record(z.string(), z.array(z.string()))).optional(),
  "x-required-permission": z.string().optional(),
  parameters: z
    .array(
      z.looseObject({
        name: z.string(),
        in: z.string(),
        required: z.boolean().optional(),
        description: z.string().optional(),
        schema: SchemaSchema.optional(),
      }),
    )
    .default([]),
  requestBody: z
    .looseObject({
      required: z.boolean().optional(),
      content: z.record(z.string(), MediaSchema).default({}),
    })
    .optional(),
  responses: z.record(
    z.string(),
    z.looseObject({
      description: z.string().default(""),
      content: z.record(z.string(), MediaSchema).optional(),
    }),
  ),
});
export type Operation = z.output<typeof OperationSchema>;

/** The parts of an OpenAPI 3 document the reference is built from. */
export const OpenApiDocumentSchema = z.looseObject({
  openapi: z.string(),
  info: z.looseObject({ title: z.string(), version: z.string(), description: z.string().optional() }),
  paths: z.record(z.string(), z.record(z.string(), z.unknown())),
  components: z
    .looseObject({
      schemas: z.record(z.string(), SchemaSchema).default({}),
      securitySchemes: z
        .record(z.string(), z.looseObject({ type: z.string(), in: z.string().optional(), name: z.string() }))
        .default({}),
    })
    .prefault({}),
});
export type OpenApiDocument = z.output<typeof OpenApiDocumentSchema>;

export interface RenderOptions {
  /** Error code -> HTTP status, for the errors table. */
  errorStatuses: Readonly<Record<string, number>>;
  /** Shown as the base of every path, e.g. `http://localhost:8080`. */
  baseUrl: string;
}

const METHODS = ["get", "post", "put", "patch", "delete"] as const;

/** A table cell: no line breaks, and `|` cannot end the cell early. */
export function cell(text: string): string {
  return text.replace(/\s*\n\s*/g, " ").replace(/\|/g, "\\|");
}

/** The anchor GitHub gives a heading (lowercase; punctuation other than - and _ dropped). */
export function headingAnchor(heading: string): string {
  return heading
    .toLowerCase()
    .replace(/[^a-z0-9 _-]/g, "")
    .replace(/ /g, "-");
}

const refName = (ref: string) => ref.split("/").pop() ?? ref;

/** A one-line type: `string (uuid)`, `array of [StepResponse](#stepresponse)`, `"a" or "b"`. */
export function typeLabel(schema: Schema | undefined): string {
  if (!schema) return "any";
  const orNull = schema.nullable ? " or null" : "";
  if (schema.$ref) {
    const name = refName(schema.$ref);
    return `[${name}](#${headingAnchor(name)})${orNull}`;
  }
  if (schema.enum) return schema.enum.map((v) => `\`${JSON.stringify(v)}\``).join(" or ") + orNull;
  if (schema.const !== undefined) return `\`${JSON.stringify(schema.const)}\`${orNull}`;
  const alternatives = schema.oneOf ?? schema.anyOf;
  if (alternatives) return alternatives.map(typeLabel).join(" or ") + orNull;
  if (schema.allOf) return schema.allOf.map(typeLabel).join(" and ") + orNull;
  switch (schema.type) {
    case undefined:
      return "any";
    case "array":
      return `array of ${typeLabel(schema.items)}${orNull}`;
    case "object":
      if (!schema.properties && typeof schema.additionalProperties === "object") {
        const values = schema.additionalProperties;
        return `object (values: ${values.type || values.$ref || values.enum ? typeLabel(values) : "any"})${orNull}`;
      }
      return `object${orNull}`;
    default:
      return `${schema.type}${schema.format ? ` (${schema.format})` : ""}${orNull}`;
  }
}

/** Limits and defaults worth knowing before sending a value. */
export function constraints(schema: Schema | undefined): string {
  if (!schema) return "";
  const parts: string[] = [];
  const range = (min: number | undefined, max: number | undefined, unit: string) => {
    if (min !== undefined && max !== undefined) parts.push(`${min}..${max}${unit}`);
    else if (min !== undefined) parts.push(`>= ${min}${unit}`);
    else if (max !== undefined) parts.push(`<= ${max}${unit}`);
  };
  range(schema.minimum, schema.maximum, "");
  range(schema.minLength, schema.maxLength, " chars");
  range(schema.minItems, schema.maxItems, " items");
  if (schema.items) {
    range(schema.items.minLength, schema.items.maxLength, " chars each");
  }
  if (schema.pattern) parts.push(`pattern \`${schema.pattern}\``);
  if (schema.default !== undefined) parts.push(`default \`${JSON.stringify(schema.default)}\``);
  if (schema.example !== undefined) parts.push(`e.g. \`${JSON.stringify(schema.example)}\``);
  return parts.join("; ");
}

interface FieldRow {
  name: string;
  schema: Schema;
  required: boolean;
}

/** Properties of an object schema, nested objects flattened to dotted names (`error.code`). */
export function fieldRows(schema: Schema, prefix = ""): FieldRow[] {
  const rows: FieldRow[] = [];
  const required = new Set(schema.required ?? []);
  for (const [name, child] of Object.entries(schema.properties ?? {})) {
    const path = `${prefix}${name}`;
    rows.push({ name: path, schema: child, required: required.has(name) });
    if (child.type === "object" && child.properties) rows.push(...fieldRows(child, `${path}.`));
    if (child.type === "array" && child.items?.type === "object" && child.items.properties) {
      rows.push(...fieldRows(child.items, `${path}[].`));
    }
  }
  return rows;
}

function fieldTable(schema: Schema): string[] {
  const rows = fieldRows(schema);
  if (rows.length === 0) return [`Type: ${typeLabel(schema)}.`, ""];
  return [
    "| Field | Type | Required | Notes |",
    "| --- | --- | --- | --- |",
    ...rows.map(
      (r) =>
        `| \`${r.name}\` | ${cell(typeLabel(r.schema))} | ${r.required ? "yes" : "no"} | ${cell(
          [r.schema.description, constraints(r.schema)].filter(Boolean).join("; "),
        )} |`,
    ),
    ...(schema.additionalProperties === false ? ["", "No other fields are accepted."] : []),
    "",
  ];
}

function schemaSection(name: string, schema: Schema): string[] {
  const lines = [`### ${name}`, ""];
  if (schema.description) lines.push(schema.description, "");
  const alternatives = schema.oneOf ?? schema.anyOf;
  if (alternatives) {
    lines.push("One of the following shapes:", "");
    for (const alternative of alternatives) {
      const discriminator = Object.entries(alternative.properties ?? {}).find(
        ([, s]) => s.enum?.length === 1,
      );
      lines.push(
        discriminator
          ? `**\`${discriminator[0]}: ${JSON.stringify(discriminator[1].enum?.[0])}\`**`
          : `**${typeLabel(alternative)}**`,
        "",
        ...fieldTable(alternative),
      );
    }
    return lines;
  }
  return [...lines, ...fieldTable(schema)];
}

interface Endpoint {
  method: string;
  path: string;
  operation: Operation;
}

function endpoints(doc: OpenApiDocument): Endpoint[] {
  const list: Endpoint[] = [];
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const method of METHODS) {
      if (item[method] === undefined) continue;
      list.push({ method: method.toUpperCase(), path, operation: OperationSchema.parse(item[method]) });
    }
  }
  return list;
}

const endpointHeading = (e: Endpoint) => `${e.method} ${e.path}`;

function bodyLabel(content: Record<string, { schema?: Schema | undefined }> | undefined): string {
  if (!content) return "(no body)";
  return Object.entries(content)
    .map(([type, media]) => (type === "application/json" ? typeLabel(media.schema) : `\`${type}\``))
    .join(", ");
}

function endpointSection(e: Endpoint): string[] {
  const op = e.operation;
  const lines = [`### ${endpointHeading(e)}`, ""];
  if (op.summary) lines.push(`**${op.summary}.**${op.description ? ` ${op.description}` : ""}`, "");
  else if (op.description) lines.push(op.description, "");
  const permission = op["x-required-permission"];
  lines.push(
    permission ? `Permission: \`${permission}\` (when API keys are enabled).` : "Open: no API key needed.",
    "",
  );
  if (op.parameters.length > 0) {
    lines.push(
      "| Parameter | In | Type | Required | Notes |",
      "| --- | --- | --- | --- | --- |",
      ...op.parameters.map(
        (p) =>
          `| \`${p.name}\` | ${p.in} | ${cell(typeLabel(p.schema))} | ${p.required ? "yes" : "no"} | ${cell(
            [p.description, constraints(p.schema)].filter(Boolean).join("; "),
          )} |`,
      ),
      "",
    );
  }
  if (op.requestBody) {
    lines.push(
      `Request body${op.requestBody.required ? "" : " (optional)"}: ${bodyLabel(op.requestBody.content)}`,
      "",
    );
  }
  lines.push(
    "| Status | Meaning | Body |",
    "| --- | --- | --- |",
    ...Object.entries(op.responses)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([status, r]) => `| ${status} | ${cell(r.description)} | ${cell(bodyLabel(r.content))} |`),
    "",
  );
  return lines;
}

/** The whole reference page. */
export function renderApiMarkdown(input: unknown, options: RenderOptions): string {
  const doc = OpenApiDocumentSchema.parse(input);
  const all = endpoints(doc);
  const tags = [...new Set(all.map((e) => e.operation.tags[0] ?? "other"))];
  const apiKey = Object.values(doc.components.securitySchemes).find((s) => s.type === "apiKey");
  const lines: string[] = [
    `# ${doc.info.title} (REST API reference)`,
    "",
    "<!-- Generated from the server's OpenAPI document by `npm run docs` (docs/scripts/generate.ts).",
    "     Do not edit: change the route definitions in packages/tasker/src/api/ and regenerate. -->",
    "",
    `OpenAPI ${doc.openapi}, API version ${doc.info.version}. ${doc.info.description ?? ""}`.trim(),
    "",
    `Every path below is relative to the orchestration server, e.g. \`${options.baseUrl}\` (the`,
    "example app's embedded default; `tasker-ctl serve` also listens on 8080). A running server also",
    "serves this document as `/openapi.json` and a readable page at `/docs`.",
    "",
    "## Conventions",
    "",
    "- Bodies are JSON with snake_case fields; unknown fields in a request body are rejected.",
    apiKey
      ? `- Auth: when API keys are configured, send one in the \`${apiKey.name}\` header. Each route names the permission it needs; a key with \`*\` may do everything. Embedded (PGlite) servers run without keys by default; servers on PostgreSQL require them (see [configuration](configuration.md#api-keys)).`
      : "- Auth: none.",
    '- Errors always have the shape `{"error": {"code", "message", "details"}}`; `503` answers carry `Retry-After`.',
    "",
    "| Error code | HTTP status |",
    "| --- | --- |",
    ...Object.entries(options.errorStatuses).map(([code, status]) => `| \`${code}\` | ${status} |`),
    "",
    "## Endpoints",
    "",
    "| Method and path | What it does | Permission |",
    "| --- | --- | --- |",
    ...all.map(
      (e) =>
        `| [\`${endpointHeading(e)}\`](#${headingAnchor(endpointHeading(e))}) | ${cell(e.operation.summary)} | ${
          e.operation["x-required-permission"] ? `\`${e.operation["x-required-permission"]}\`` : "open"
        } |`,
    ),
    "",
  ];
  for (const tag of tags) {
    lines.push(`## ${tag[0]?.toUpperCase()}${tag.slice(1)}`, "");
    for (const e of all.filter((x) => (x.operation.tags[0] ?? "other") === tag))
      lines.push(...endpointSection(e));
  }
  lines.push("## Schemas", "");
  for (const [name, schema] of Object.entries(doc.components.schemas).sort(([a], [b]) =>
    a.localeCompare(b),
  )) {
    lines.push(...schemaSection(name, schema));
  }
  return `${lines
    .join("\n")
    .replace(/\n{3,}/g, "\n\n")
    .trimEnd()}\n`;
}
