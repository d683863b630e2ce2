import { describe, expect, it } from "vitest";
import {
  DEFAULT_RETRY_POLICY,
  DEFAULT_TIMEOUT_SECONDS,
  StepTemplateSchema,
  TaskTemplateSchema,
} from "./schema.js";

const minimal = {
  name: "order_processing",
  namespace_name: "ecommerce",
  version: "1.0.0",
  steps: [{ name: "charge", handler: { callable: "ecommerce.charge" } }],
};

describe("TaskTemplateSchema", () => {
  it("gives a step with retry: { retryable: false } one attempt (issue #28: it showed 1/3)", () => {
    const parsed = TaskTemplateSchema.parse({
      name: "t",
      namespace_name: "ns",
      version: "1.0.0",
      steps: [
        { name: "once", handler: { callable: "ns.once" }, retry: { retryable: false } },
        { name: "said_five", handler: { callable: "ns.five" }, retry: { retryable: false, max_attempts: 5 } },
        { name: "default", handler: { callable: "ns.d" } },
      ],
    });
    expect(parsed.steps.map((s) => s.retry.max_attempts)).toEqual([1, 1, 3]);
  });

  it("fills step defaults", () => {
    const t = TaskTemplateSchema.parse(minimal);
    expect(t.steps[0]).toEqual({
      name: "charge",
      type: "standard",
      handler: { callable: "ecommerce.charge", initialization: {} },
      dependencies: [],
      retry: DEFAULT_RETRY_POLICY,
      timeout_seconds: DEFAULT_TIMEOUT_SECONDS,
    });
    expect(DEFAULT_RETRY_POLICY).toEqual({
      retryable: true,
      max_attempts: 3,
      backoff: "exponential",
      backoff_base_ms: 1000,
      max_backoff_ms: 30000,
    });
  });

  it("keeps given retry fields and defaults the rest", () => {
    const step = StepTemplateSchema.parse({
      name: "a",
      handler: { callable: "x" },
      retry: { max_attempts: 1 },
    });
    expect(step.retry).toEqual({ ...DEFAULT_RETRY_POLICY, max_attempts: 1 });
  });

  it("normalises depends_on to dependencies", () => {
    const step = StepTemplateSchema.parse({ name: "b", handler: { callable: "x" }, depends_on: ["a"] });
    expect(step.dependencies).toEqual(["a"]);
    expect(step).not.toHaveProperty("depends_on");
  });

  it("rejects dependencies and depends_on together", () => {
    const result = StepTemplateSchema.safeParse({
      name: "b",
      handler: { callable: "x" },
      dependencies: ["a"],
      depends_on: ["a"],
    });
    expect(result.error?.issues[0]).toMatchObject({
      path: ["depends_on"],
      message: expect.stringContaining("not both"),
    });
  });

  it.each(["standard", "decision", "batchable", "batch_worker", "deferred_convergence"] as const)(
    "accepts the step type %s, also as step_type",
    (type) => {
      expect(StepTemplateSchema.parse({ name: "a", handler: { callable: "x" }, type }).type).toBe(type);
      expect(StepTemplateSchema.parse({ name: "a", handler: { callable: "x" }, step_type: type }).type).toBe(
        type,
      );
    },
  );

  it("defaults the type to standard and rejects type and step_type that disagree", () => {
    expect(StepTemplateSchema.parse({ name: "a", handler: { callable: "x" } }).type).toBe("standard");
    const result = StepTemplateSchema.safeParse({
      name: "a",
      handler: { callable: "x" },
      type: "decision",
      step_type: "standard",
    });
    expect(result.error?.issues[0]).toMatchObject({
      path: ["step_type"],
      message: expect.stringContaining("alias"),
    });
  });

  it("applies batch_config's defaults", () => {
    const step = StepTemplateSchema.parse({
      name: "split",
      type: "batchable",
      handler: { callable: "x" },
      batch_config: { batch_size: 10, worker_template: "work" },
    });
    expect(step.batch_config).toEqual({
      batch_size: 10,
      worker_template: "work",
      failure_strategy: "continue_on_failure",
    });
  });

  it("accepts semver versions with pre-release and build parts, rejects others", () => {
    for (const version of ["0.1.0", "2.1.0-beta.1", "1.0.0+build.5"]) {
      expect(TaskTemplateSchema.safeParse({ ...minimal, version }).success, version).toBe(true);
    }
    for (const version of ["1", "1.0", "v1.0.0", "01.0.0"]) {
      expect(TaskTemplateSchema.safeParse({ ...minimal, version }).success, version).toBe(false);
    }
  });

  it("limits namespace_name to 29 characters of [A-Za-z0-9_]", () => {
    expect(TaskTemplateSchema.safeParse({ ...minimal, namespace_name: "A".repeat(29) }).success).toBe(true);
    expect(TaskTemplateSchema.safeParse({ ...minimal, namespace_name: "A".repeat(30) }).success).toBe(false);
  });
});
