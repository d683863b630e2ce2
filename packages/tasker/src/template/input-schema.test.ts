import { describe, expect, it } from "vitest";
import { compileJsonSchema, validateStepResult, validateTaskContext } from "./input-schema.js";
import { type TaskTemplate, TaskTemplateSchema } from "./schema.js";

function template(overrides: Partial<Record<string, unknown>> = {}): TaskTemplate {
  return TaskTemplateSchema.parse({
    name: "order_processing",
    namespace_name: "ecommerce",
    version: "1.0.0",
    steps: [
      {
        name: "validate_inventory",
        handler: { callable: "ecommerce.validate_inventory" },
        result_schema: { type: "object", required: ["total"], properties: { total: { type: "number" } } },
      },
    ],
    input_schema: {
      type: "object",
      required: ["customer_email", "items"],
      additionalProperties: false,
      properties: {
        customer_email: { type: "string", format: "email" },
        items: {
          type: "array",
          minItems: 1,
          items: {
            type: "object",
            required: ["sku", "quantity"],
            properties: { sku: { type: "string" }, quantity: { type: "integer", minimum: 1 } },
          },
        },
        method: { enum: ["card", "invoice"] },
      },
    },
    ...overrides,
  });
}

describe("validateTaskContext", () => {
  it("accepts a valid context", () => {
    expect(
      validateTaskContext(template(), {
        customer_email: "ada@example.com",
        items: [{ sku: "WIDGET-001", quantity: 2 }],
      }),
    ).toEqual({ ok: true });
  });

  it("reports every failing path", () => {
    const result = validateTaskContext(template(), {
      customer_email: "not-an-email",
      items: [{ sku: "WIDGET-001", quantity: 0 }, { quantity: 1 }],
      method: "cash",
      extra: true,
    });
    expect(result).toEqual({
      ok: false,
      issues: expect.arrayContaining([
        { path: "customer_email", message: "must be a valid email" },
        { path: "items.0.quantity", message: "must be >= 1" },
        { path: "items.1.sku", message: "is required" },
        { path: "method", message: 'must be one of "card", "invoice"' },
        { path: "extra", message: "is not allowed (not a property of the input schema)" },
      ]),
    });
    expect(result.ok === false && result.issues).toHaveLength(5);
  });

  it("reports missing required top-level properties by name", () => {
    expect(validateTaskContext(template(), {})).toEqual({
      ok: false,
      issues: [
        { path: "customer_email", message: "is required" },
        { path: "items", message: "is required" },
      ],
    });
  });

  it("is always ok without an input_schema", () => {
    expect(validateTaskContext(template({ input_schema: undefined }), { anything: 1 })).toEqual({ ok: true });
  });

  it("does not reuse a cached validator when a template version is redefined with another schema", () => {
    const strict = template({ input_schema: { type: "object", required: ["a"] } });
    const lax = template({ input_schema: { type: "object" } });
    expect(validateTaskContext(strict, {}).ok).toBe(false);
    expect(validateTaskContext(lax, {}).ok).toBe(true);
  });

  it("supports draft 2020-12 schemas", () => {
    const t = template({
      input_schema: {
        $schema: "https://json-schema.org/draft/2020-12/schema",
        type: "object",
        properties: { tags: { type: "array", prefixItems: [{ type: "string" }] } },
      },
    });
    expect(validateTaskContext(t, { tags: [1] })).toEqual({
      ok: false,
      issues: [{ path: "tags.0", message: "must be string" }],
    });
  });
});

describe("validateStepResult", () => {
  it("checks a result against the step's result_schema", () => {
    expect(validateStepResult(template(), "validate_inventory", { total: 12.5 })).toEqual({ ok: true });
    expect(validateStepResult(template(), "validate_inventory", { total: "12.50" })).toEqual({
      ok: false,
      issues: [{ path: "total", message: "must be number" }],
    });
  });

  it("throws for a step the template does not have", () => {
    expect(() => validateStepResult(template(), "nope", {})).toThrow(/has no step "nope"/);
  });
});

describe("compileJsonSchema", () => {
  it("explains why a schema is invalid", () => {
    const result = compileJsonSchema({ type: "strng" });
    expect(result.ok).toBe(false);
    expect(!result.ok && result.errors.join("\n")).toMatch(/type/);
  });

  it("compiles a schema once: loading a template again and its first task reuse the validator", () => {
    const schema = { type: "object", required: ["order_id"], properties: { order_id: { type: "integer" } } };
    const first = compileJsonSchema(schema);
    const again = compileJsonSchema(JSON.parse(JSON.stringify(schema)));
    expect(first.ok && again.ok && first.validate === again.validate).toBe(true);
  });

  it("reports an unresolvable $ref", () => {
    const result = compileJsonSchema({ $ref: "#/definitions/missing" });
    expect(!result.ok && result.errors.join("\n")).toMatch(/missing/);
  });
});
