import { describe, expect, it } from "vitest";
import {
  escapeHtml,
  type OpenApiDocumentLike,
  renderApiReference,
  schemaTable,
  typeLabel,
} from "./docs-page.js";

const doc: OpenApiDocumentLike = {
  info: { title: "tasker <api>", version: "1.0.0", description: "Tasks & steps" },
  paths: {
    "/v1/tasks": {
      post: {
        tags: ["tasks"],
        summary: "Create a task",
        "x-required-permission": "tasks:write",
        requestBody: {
          content: { "application/json": { schema: { $ref: "#/components/schemas/TaskRequest" } } },
        },
        responses: {
          "201": {
            description: "Created",
            content: { "application/json": { schema: { $ref: "#/components/schemas/Task" } } },
          },
          "400": { description: "Bad" },
        },
      },
    },
    "/health": { get: { tags: ["health"], summary: "Health", responses: { "200": { description: "OK" } } } },
  },
  components: {
    schemas: {
      TaskRequest: {
        type: "object",
        required: ["name"],
        properties: {
          name: { type: "string", pattern: "^[a-z]+$" },
          priority: { type: "integer", minimum: -1000, maximum: 1000, default: 0 },
          tags: { type: "array", items: { type: "string" } },
          status: { type: "string", enum: ["pending", "complete"] },
          context: { type: "object", additionalProperties: {} },
        },
      },
    },
  },
};

describe("renderApiReference", () => {
  const html = renderApiReference(doc);

  it("is a self-contained page: no scripts, no external assets", () => {
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).not.toMatch(/<script|<link|src="http/);
  });

  it("lists each operation with its method, path, permission and responses", () => {
    expect(html).toContain('<span class="method post">POST</span> <code>/v1/tasks</code>');
    expect(html).toContain("<code>tasks:write</code>");
    expect(html).toContain("Open: no API key needed.");
    expect(html).toContain('<span class="status s2">201</span> Created');
    expect(html).toContain('href="#schema-Task"');
  });

  it("renders schemas as field tables with constraints", () => {
    expect(html).toContain('id="schema-TaskRequest"');
    expect(html).toContain('<code>name</code> <span class="req">required</span>');
    expect(html).toContain("min -1000; max 1000; default <code>0</code>");
    expect(html).toContain("<code>&quot;pending&quot;</code> | <code>&quot;complete&quot;</code>");
  });

  it("escapes everything it prints", () => {
    expect(html).toContain("tasker &lt;api&gt;");
    expect(html).toContain("Tasks &amp; steps");
    expect(escapeHtml(`<a href="x">'</a>`)).toBe("&lt;a href=&quot;x&quot;&gt;&#39;&lt;/a&gt;");
  });
});

describe("typeLabel and schemaTable", () => {
  it("describes arrays, maps, nullables and unions", () => {
    expect(typeLabel({ type: "array", items: { type: "string", format: "uuid" } })).toBe(
      "array of string (uuid)",
    );
    expect(typeLabel({ type: "object", additionalProperties: true })).toBe("map of any");
    expect(typeLabel({ type: "string", nullable: true })).toBe("string | null");
    expect(typeLabel({ oneOf: [{ type: "string" }, { type: "integer" }] })).toBe("string | integer");
    expect(typeLabel(undefined)).toBe("any");
  });

  it("lists the alternatives of a union body", () => {
    const table = schemaTable({
      oneOf: [
        { type: "object", properties: { action_type: { type: "string", enum: ["a"] } } },
        { type: "object", properties: { action_type: { type: "string", enum: ["b"] } } },
      ],
    });
    expect(table).toContain("One of:");
    expect(table.match(/<table>/g)).toHaveLength(2);
  });
});
