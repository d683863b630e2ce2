import { z } from "zod";
import { NAMESPACE_PATTERN, TEMPLATE_NAME_PATTERN } from "../model/task-request.js";
import { withInput } from "./issue-messages.js";

/** Step and template names: lowercase snake_case. */
export const STEP_NAME_PATTERN = TEMPLATE_NAME_PATTERN;

/** Semantic Versioning 2.0.0 (the regex published at semver.org). */
export const SEMVER_PATTERN =
  /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$/;

/**
 * What a step is (tasker-core's step types): `standard` runs when its dependencies are done; the
 * others change the task's shape at run time (docs/templates.md, "Steps created at run time").
 */
export const STEP_TYPES = [
  "standard",
  "decision",
  "deferred_convergence",
  "batchable",
  "batch_worker",
] as const;
export type StepType = (typeof STEP_TYPES)[number];

/** What a batch worker instance does when another instance failed for good. */
export const BATCH_FAILURE_STRATEGIES = ["continue_on_failure", "fail_fast", "isolate"] as const;
export type BatchFailureStrategy = (typeof BATCH_FAILURE_STRATEGIES)[number];

/** The retry settings of a step whose template does not set them. */
export const DEFAULT_RETRY_POLICY = {
  retryable: true,
  max_attempts: 3,
  backoff: "exponential",
  backoff_base_ms: 1000,
  max_backoff_ms: 30_000,
} as const;

/** How long an attempt may run when the template does not say. */
export const DEFAULT_TIMEOUT_SECONDS = 300;

/** A JSON Schema document (checked by ajv at load time, not by Zod). */
const JsonSchemaObject = z
  .record(z.string(), z.unknown())
  .describe("A JSON Schema (draft-07 by default; set $schema for 2019-09 or 2020-12)");

const Initialization = z
  .record(z.string(), z.unknown())
  .describe("Configuration passed to the handler as ctx.initialization");

const stepName = (what: string) =>
  z
    .string()
    .regex(
      STEP_NAME_PATTERN,
      withInput(
        `${what} must be lowercase snake_case (a letter, then letters, digits or _), e.g. process_payment`,
      ),
    );

const backoffMs = z.number().int().min(0);

const RetryFields = {
  retryable: z.boolean().describe("false: any failure ends the step in error at once"),
  max_attempts: z
    .number()
    .int()
    .min(1)
    .max(100)
    .describe("Attempts in total, counting the first one (1 = never retry)"),
  backoff: z.enum(["exponential", "linear"]),
  backoff_base_ms: backoffMs.describe("Delay before the first retry"),
  max_backoff_ms: backoffMs.describe("Upper bound for any retry delay"),
};

const backoffWithinBounds = (r: { backoff_base_ms?: number; max_backoff_ms?: number }) =>
  r.backoff_base_ms === undefined || r.max_backoff_ms === undefined || r.max_backoff_ms >= r.backoff_base_ms;
const backoffBoundsIssue = {
  message: "must be >= backoff_base_ms; raise max_backoff_ms or lower backoff_base_ms",
  path: ["max_backoff_ms"],
};

/**
 * `retryable: false` means one attempt: max_attempts is 1 whatever else was written (a step that
 * cannot be retried showed "1/3" attempts, and a lease lost on its only attempt was not its last).
 */
export function withOneAttemptIfNotRetryable<R extends { retryable: boolean; max_attempts: number }>(
  retry: R,
): R {
  return retry.retryable || retry.max_attempts === 1 ? retry : { ...retry, max_attempts: 1 };
}

/** A step's `retry:` block, with the defaults of {@link DEFAULT_RETRY_POLICY}. */
export const RetryPolicySchema = z
  .object({
    retryable: RetryFields.retryable.default(DEFAULT_RETRY_POLICY.retryable),
    max_attempts: RetryFields.max_attempts.default(DEFAULT_RETRY_POLICY.max_attempts),
    backoff: RetryFields.backoff.default(DEFAULT_RETRY_POLICY.backoff),
    backoff_base_ms: RetryFields.backoff_base_ms.default(DEFAULT_RETRY_POLICY.backoff_base_ms),
    max_backoff_ms: RetryFields.max_backoff_ms.default(DEFAULT_RETRY_POLICY.max_backoff_ms),
  })
  .refine(backoffWithinBounds, backoffBoundsIssue)
  .transform(withOneAttemptIfNotRetryable);
/** A step's retry settings, defaults applied. */
export type RetryPolicy = z.output<typeof RetryPolicySchema>;

/** Retry settings in an environment override: only the given fields replace the step's. */
export const RetryOverrideSchema = z
  .object(RetryFields)
  .partial()
  .refine(backoffWithinBounds, backoffBoundsIssue);

export const StepHandlerRefSchema = z.object(
  {
    callable: z
      .string()
      .min(1, "must name the registered handler, e.g. ecommerce.process_payment")
      .describe("The key a step handler is registered under"),
    initialization: Initialization.default({}),
  },
  {
    error: (issue) =>
      issue.input === undefined
        ? "is required: name the handler that runs this step, e.g. handler: { callable: ecommerce.process_payment }"
        : undefined,
  },
);

const StepTypeSchema = z.enum(STEP_TYPES);

/** A batchable step's `batch_config:` block. */
export const BatchConfigSchema = z.object({
  batch_size: z.number().int().min(1).describe("Items per batch worker instance"),
  parallelism: z
    .number()
    .int()
    .min(1)
    .optional()
    .describe("Batch worker instances running at once at most (default: no limit)"),
  cursor_field: z
    .string()
    .min(1)
    .optional()
    .describe("The field of the items the cursors range over (e.g. id, row_number)"),
  worker_template: stepName("worker_template").describe(
    "The batch_worker step whose instances process the batches",
  ),
  failure_strategy: z
    .enum(BATCH_FAILURE_STRATEGIES)
    .default("continue_on_failure")
    .describe("continue_on_failure | fail_fast | isolate"),
});
/** A batchable step's batch settings, defaults applied. */
export type BatchConfig = z.output<typeof BatchConfigSchema>;

/** The step object as written; `depends_on` is normalised to `dependencies` by StepTemplateSchema. */
export const StepTemplateInputSchema = z.object({
  name: stepName("step name").describe("Step name, unique within the template"),
  description: z.string().optional(),
  type: StepTypeSchema.optional().describe(
    "standard (default), decision, deferred_convergence, batchable or batch_worker",
  ),
  step_type: StepTypeSchema.optional().describe("Alias of type"),
  handler: StepHandlerRefSchema,
  dependencies: z.array(z.string()).optional().describe("Names of the steps that must complete first"),
  depends_on: z.array(z.string()).optional().describe("Alias of dependencies"),
  retry: RetryPolicySchema.prefault({}),
  timeout_seconds: z
    .number()
    .positive()
    .default(DEFAULT_TIMEOUT_SECONDS)
    .describe("An attempt running longer than this is a retryable failure"),
  result_schema: JsonSchemaObject.optional().describe("JSON Schema the step's result must satisfy"),
  batch_config: BatchConfigSchema.optional().describe("A batchable step's batches (required for batchable)"),
});

/**
 * One step of a template; `depends_on` is accepted and normalised to `dependencies`, `step_type`
 * to `type` (default `standard`).
 */
export const StepTemplateSchema = StepTemplateInputSchema.superRefine((step, ctx) => {
  if (step.dependencies !== undefined && step.depends_on !== undefined) {
    ctx.addIssue({
      code: "custom",
      path: ["depends_on"],
      message: "use either dependencies or depends_on (an alias), not both; move the names into dependencies",
    });
  }
  if (step.type !== undefined && step.step_type !== undefined && step.type !== step.step_type) {
    ctx.addIssue({
      code: "custom",
      path: ["step_type"],
      message: `says "${step.step_type}" but type says "${step.type}"; step_type is an alias of type: keep one`,
    });
  }
}).transform(({ depends_on, dependencies, step_type, type, ...step }) => ({
  ...step,
  type: type ?? step_type ?? "standard",
  dependencies: dependencies ?? depends_on ?? [],
}));
/** A validated step, defaults applied. */
export type StepTemplate = z.output<typeof StepTemplateSchema>;

export const StepOverrideSchema = z.object({
  name: z.string().min(1).describe('The step to override, or "ALL" for every step of the template'),
  handler: z.object({ initialization: Initialization.optional() }).optional(),
  retry: RetryOverrideSchema.optional(),
  timeout_seconds: z.number().positive().optional(),
});
/** One entry of `environments.<name>.steps`: a step (or `ALL`) and the settings it overrides. */
export type StepOverride = z.output<typeof StepOverrideSchema>;

export const EnvironmentOverrideSchema = z.object({
  steps: z.array(StepOverrideSchema).default([]),
});
/** The overrides of one environment (`environments.<name>`). */
export type EnvironmentOverride = z.output<typeof EnvironmentOverrideSchema>;

/**
 * The task template format (one YAML file per template); the JSON Schema is generated from it.
 * See docs/templates.md.
 */
export const TaskTemplateSchema = z.object({
  name: z
    .string()
    .regex(
      TEMPLATE_NAME_PATTERN,
      withInput(
        "template name must be lowercase snake_case (a letter, then letters, digits or _), e.g. order_processing",
      ),
    ),
  namespace_name: z
    .string()
    .regex(NAMESPACE_PATTERN, withInput("must be 1-29 characters of letters, digits and _, e.g. ecommerce"))
    .describe("Namespace (one worker queue per namespace): 1-29 characters of [A-Za-z0-9_]"),
  version: z
    .string({
      error: (issue) =>
        typeof issue.input === "number"
          ? `must be a semver string like "1.0.0"; YAML read ${String(issue.input)} as a number, so quote it (version: "1.0.0")`
          : undefined,
    })
    .regex(SEMVER_PATTERN, withInput('must be a semver version like "1.0.0" or "2.1.0-beta.1"'))
    .describe('Semantic version, quoted in YAML: "1.0.0"'),
  description: z.string().optional(),
  metadata: z.record(z.string(), z.unknown()).optional().describe("Free-form: author, tags, ..."),
  task_handler: StepHandlerRefSchema.optional(),
  input_schema: JsonSchemaObject.optional().describe(
    "JSON Schema the task context is validated against when a task is created",
  ),
  steps: z
    .array(StepTemplateSchema)
    .min(1, "a template needs at least one step")
    .describe("The workflow's steps; they form a DAG through dependencies"),
  environments: z
    .record(z.string(), EnvironmentOverrideSchema)
    .optional()
    .describe("Per-environment step overrides, chosen by TASKER_ENV (e.g. test:)"),
});
/** A validated task template, defaults applied. */
export type TaskTemplate = z.output<typeof TaskTemplateSchema>;
/** A template as written (defaults optional, `depends_on` allowed), e.g. for templates built in code. */
export type TaskTemplateInput = z.input<typeof TaskTemplateSchema>;
