// A StepContext for calling a handler directly, the way the worker would (for tests that deliver
// the same step twice, or at the same time, to prove its effects happen once).
import { randomUUID } from "node:crypto";
import { createLogger, type StepContext, type StepHandler } from "@tasker-ts/tasker";

export function stepContext(
  namespace: string,
  stepName: string,
  input: Record<string, unknown>,
  dependencyResults: Record<string, unknown> = {},
  overrides: Partial<StepContext> = {},
): StepContext {
  return {
    taskUuid: randomUUID(),
    stepUuid: randomUUID(),
    stepName,
    taskName: "test",
    namespace,
    version: "1.0.0",
    correlationId: randomUUID(),
    input,
    dependencyResults,
    attempt: 1,
    maxAttempts: 3,
    initialization: {},
    signal: new AbortController().signal,
    logger: createLogger({ level: "silent" }),
    ...overrides,
  };
}

export function handlerFor(handlers: readonly StepHandler[], callable: string): StepHandler {
  const handler = handlers.find((h) => h.callable === callable);
  if (!handler) throw new Error(`no handler ${callable}; have ${handlers.map((h) => h.callable).join(", ")}`);
  return handler;
}
