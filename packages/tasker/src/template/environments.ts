import { didYouMean } from "./closest-names.js";
import type { TemplateIssue } from "./errors.js";
import {
  type StepOverride,
  type StepTemplate,
  type TaskTemplate,
  withOneAttemptIfNotRetryable,
} from "./schema.js";

/** An override entry with this name applies to every step of the template. */
export const ALL_STEPS = "ALL";

/**
 * The template as it runs in `env` (default `TASKER_ENV`): `environments[env].steps` overrides
 * applied in the order written (`name: ALL` matches every step). Initialization and retry are
 * merged key by key; timeout_seconds is replaced. Unknown environments change nothing.
 */
export function resolveEnvironment(
  template: TaskTemplate,
  env: string | undefined = process.env.TASKER_ENV,
): TaskTemplate {
  const overrides = env ? template.environments?.[env]?.steps : undefined;
  if (!overrides || overrides.length === 0) return template;
  return { ...template, steps: template.steps.map((step) => applyOverrides(step, overrides)) };
}

function applyOverrides(step: StepTemplate, overrides: readonly StepOverride[]): StepTemplate {
  let resolved = step;
  for (const o of overrides) {
    if (o.name !== ALL_STEPS && o.name !== step.name) continue;
    resolved = {
      ...resolved,
      handler: {
        ...resolved.handler,
        initialization: { ...resolved.handler.initialization, ...o.handler?.initialization },
      },
      retry: withOneAttemptIfNotRetryable({ ...resolved.retry, ...o.retry }),
      timeout_seconds: o.timeout_seconds ?? resolved.timeout_seconds,
    };
  }
  return resolved;
}

/**
 * Problems in `environments`: overrides naming a step the template does not have, and retry
 * settings that only conflict once merged with the step's own (max_backoff_ms < backoff_base_ms).
 */
export function environmentIssues(template: TaskTemplate): Omit<TemplateIssue, "file">[] {
  const issues: Omit<TemplateIssue, "file">[] = [];
  const names = template.steps.map((s) => s.name);
  for (const [env, override] of Object.entries(template.environments ?? {})) {
    for (const o of override.steps) {
      if (o.name !== ALL_STEPS && !names.includes(o.name)) {
        issues.push({
          step: o.name,
          key: `environments.${env}.steps`,
          message: `unknown step "${o.name}"${didYouMean(o.name, names) || `; known steps: ${names.join(", ")} (or ALL)`}`,
        });
      }
    }
    for (const step of resolveEnvironment(template, env).steps) {
      if (step.retry.max_backoff_ms < step.retry.backoff_base_ms) {
        issues.push({
          step: step.name,
          key: `environments.${env}.retry.max_backoff_ms`,
          message: `is ${step.retry.max_backoff_ms} once the override applies, below backoff_base_ms ${step.retry.backoff_base_ms}; raise max_backoff_ms or lower backoff_base_ms`,
        });
      }
    }
  }
  return issues;
}
