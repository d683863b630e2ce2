import { describe, expect, it } from "vitest";
import {
  cell,
  constraints,
  fieldRows,
  headingAnchor,
  renderApiMarkdown,
  typeLabel,
} from "./openapi-markdown.js";

const doc = {
  openapi: "3.0.3",
  info: { title: "demo API", version: "1.2.3", description: "Does things." },
  paths: {
    "/v1/things/{id}": {
      get: {
        tags: ["things"],
        summary: "Get a thing",
        "x-required-permission": "things:read",
        parameters: [{ name: "id", in: "path", required: true, schema: { type: "string", format: "uuid" } }],
        responses: {
          "404": {
            description: "No such thing.",
            content: { "application/json": { schema: { $ref: "#/components/schemas/Error" } } },
          },
          "200": {
            description: "The thing.",
            content: { "application/json": { schema: { $ref: "#/components/schemas/Thing" } } },
          },
        },
      },
    },
    "/health": { get: { tags: ["health"], summary: "Up?", responses: { "200": { description: "Yes." } } } },
  },
  components: {
    schemas: {
      Thing: {
        type: "object",
        required: ["name"],
        additionalProperties: false,
        properties: {
          name: { type: "string", minLength: 1, maxLength: 10, description: "What it is called" },
          kind: { type: "string", enum: ["a", "b"], default: "a" },
          parts: {
            type: "array",
            items: { type: "object", required: ["n"], properties: { n: { type: "integer" } } },
          },
          note: { type: "string", nullable: true, pattern: "^x|y$" },
        },
      },
      Error: {
        type: "object",
        properties: { error: { type: "object", properties: { code: { type: "string" } } } },
      },
    },
    securitySchemes: { Key: { type: "apiKey", in: "header", name: "X-Key" } },
  },
};

describe("renderApiMarkdown", () => {
  const md = renderApiMarkdown(doc, { errorStatuses: { NOT_FOUND: 404 }, baseUrl: "http://localhost:1" });

  it("lists every endpoint with a link to its section and its permission", () => {
    expect(md).toContain("| [`GET /v1/things/{id}`](#get-v1thingsid) | Get a thing | `things:read` |");
    expect(md).toContain("| [`GET /health`](#get-health) | Up? | open |");
    expect(md).toContain("### GET /v1/things/{id}");
  });

  it("documents parameters, responses in status order, and the auth header", () => {
    expect(md).toContain("| `id` | path | string (uuid) | yes |  |");
    expect(md.indexOf("| 200 | The thing.")).toBeLessThan(md.indexOf("| 404 | No such thing."));
    expect(md).toContain("`X-Key` header");
    expect(md).toContain("| `NOT_FOUND` | 404 |");
  });

  it("flattens nested fields and shows limits, defaults and enums", () => {
    expect(md).toContain("| `name` | string | yes | What it is called; 1..10 chars |");
    expect(md).toContain('| `kind` | `"a"` or `"b"` | no | default `"a"` |');
    expect(md).toContain("| `parts[].n` | integer | yes |  |");
    expect(md).toContain("| `error.code` | string | no |  |");
    expect(md).toContain("No other fields are accepted.");
  });

  it("escapes pipes inside table cells", () => {
    expect(md).toContain("pattern `^x\\|y$`");
    expect(md).toContain("string or null");
  });

  it("rejects a document that is not OpenAPI, saying what is missing", () => {
    expect(() => renderApiMarkdown({ info: {} }, { errorStatuses: {}, baseUrl: "" })).toThrow(/openapi/);
  });
});

describe("helpers", () => {
  it("makes GitHub's heading anchors", () => {
    expect(headingAnchor("PATCH /v1/tasks/{task_uuid}/workflow_steps/{step_uuid}")).toBe(
      "patch-v1taskstask_uuidworkflow_stepsstep_uuid",
    );
    expect(headingAnchor("7.2 Scaffold a step handler")).toBe("72-scaffold-a-step-handler");
  });

  it("labels types and constraints", () => {
    expect(typeLabel({ $ref: "#/components/schemas/Task", nullable: true })).toBe("[Task](#task) or null");
    expect(typeLabel({ type: "object", additionalProperties: { type: "number" } })).toBe(
      "object (values: number)",
    );
    expect(typeLabel({ nullable: true })).toBe("any");
    expect(constraints({ minimum: 0 })).toBe(">= 0");
    expect(constraints({ maxItems: 5, items: { type: "string", maxLength: 9 } })).toBe(
      "<= 5 items; <= 9 chars each",
    );
    expect(cell("a|b\n  c")).toBe("a\\|b c");
  });

  it("leaves rows of objects without properties to their type", () => {
    expect(fieldRows({ type: "object" })).toEqual([]);
  });
});
