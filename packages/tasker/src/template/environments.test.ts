import { describe, expect, it } from "vitest";
import { environmentIssues, resolveEnvironment } from "./environments.js";
import { type TaskTemplate, TaskTemplateSchema } from "./schema.js";

function template(environments: unknown): TaskTemplate {
  return TaskTemplateSchema.parse({
    name: "order_processing",
    namespace_name: "ecommerce",
    version: "1.0.0",
    steps: [
      {
        name: "charge",
        handler: { callable: "ecommerce.charge", initialization: { gateway: "live", currency: "USD" } },
        retry: { max_attempts: 5 },
      },
      {
        name: "ship",
        handler: { callable: "ecommerce.ship" },
        dependencies: ["charge"],
        timeout_seconds: 60,
      },
    ],
    environments,
  });
}

const overrides = {
  test: {
    steps: [
      { name: "ALL", retry: { backoff_base_ms: 10, max_backoff_ms: 50 }, timeout_seconds: 5 },
      { name: "charge", handler: { initialization: { gateway: "sandbox" } } },
    ],
  },
};

describe("resolveEnvironment", () => {
  it("applies ALL and per-step overrides, merging initialization and retry", () => {
    const resolved = resolveEnvironment(template(overrides), "test");
    const [charge, ship] = resolved.steps;
    expect(charge?.handler.initialization).toEqual({ gateway: "sandbox", currency: "USD" });
    expect(charge?.retry).toMatchObject({ max_attempts: 5, backoff_base_ms: 10, max_backoff_ms: 50 });
    expect(charge?.timeout_seconds).toBe(5);
    expect(ship?.timeout_seconds).toBe(5);
    expect(ship?.retry.backoff_base_ms).toBe(10);
    expect(ship?.handler.initialization).toEqual({});
  });

  it("a step made not retryable by an override gets one attempt (it showed 1/5)", () => {
    const resolved = resolveEnvironment(
      template({ ci: { steps: [{ name: "charge", retry: { retryable: false } }] } }),
      "ci",
    );
    expect(resolved.steps[0]?.retry).toMatchObject({ retryable: false, max_attempts: 1 });
    expect(resolved.steps[1]?.retry).toMatchObject({ retryable: true, max_attempts: 3 });
  });

  it("leaves the template unchanged for another or no environment", () => {
    const t = template(overrides);
    expect(resolveEnvironment(t, "production")).toBe(t);
    expect(resolveEnvironment(t, undefined)).toBe(t);
  });

  it("does not modify the template it is given", () => {
    const t = template(overrides);
    resolveEnvironment(t, "test");
    expect(t.steps[0]?.handler.initialization).toEqual({ gateway: "live", currency: "USD" });
    expect(t.steps[1]?.timeout_seconds).toBe(60);
  });

  it("reads TASKER_ENV by default", () => {
    const previous = process.env.TASKER_ENV;
    process.env.TASKER_ENV = "test";
    try {
      expect(resolveEnvironment(template(overrides)).steps[0]?.timeout_seconds).toBe(5);
    } finally {
      if (previous === undefined) delete process.env.TASKER_ENV;
      else process.env.TASKER_ENV = previous;
    }
  });
});

describe("environmentIssues", () => {
  it("reports overrides for unknown steps, with a suggestion", () => {
    expect(
      environmentIssues(template({ test: { steps: [{ name: "chrage", timeout_seconds: 1 }] } })),
    ).toEqual([
      {
        step: "chrage",
        key: "environments.test.steps",
        message: 'unknown step "chrage" (did you mean "charge"?)',
      },
    ]);
  });

  it("reports a retry that conflicts only once merged", () => {
    const issues = environmentIssues(
      template({ staging: { steps: [{ name: "ship", retry: { max_backoff_ms: 10 } }] } }),
    );
    expect(issues).toEqual([
      {
        step: "ship",
        key: "environments.staging.retry.max_backoff_ms",
        message: expect.stringContaining("is 10 once the override applies, below backoff_base_ms 1000"),
      },
    ]);
  });

  it("finds nothing wrong with valid overrides", () => {
    expect(environmentIssues(template(overrides))).toEqual([]);
  });
});
