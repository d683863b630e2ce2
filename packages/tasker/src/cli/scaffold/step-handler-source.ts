import type { NameForms } from "./names.js";

export interface StepHandlerScaffold {
  names: NameForms;
  /** Namespace prefix of the callable (`ecommerce` -> `ecommerce.validate_cart`). */
  namespace?: string;
  /** Module the handler API is imported from. */
  importFrom: string;
}

export function callableOf(scaffold: Pick<StepHandlerScaffold, "names" | "namespace">): string {
  return scaffold.namespace ? `${scaffold.namespace}.${scaffold.names.snake}` : scaffold.names.snake;
}

/** A typed function-style handler with a Zod inputs schema, and how to fail well. */
export function stepHandlerSource(scaffold: StepHandlerScaffold): string {
  const { snake, camel, pascal } = scaffold.names;
  const callable = callableOf(scaffold);
  return `import { defineHandler, PermanentError } from "${scaffold.importFrom}";
import { z } from "zod";

/**
 * The part of the task context this step reads. A context that does not match fails the step
 * permanently (no retries), with an error naming the fields.
 */
export const ${pascal}Inputs = z.object({
  // Replace with the fields this step needs, e.g. cart_id: z.string().uuid(),
  id: z.string().min(1),
});
export type ${pascal}Inputs = z.infer<typeof ${pascal}Inputs>;

/** What this step returns; steps that depend on it read it as dependencyResults.${snake}. */
export interface ${pascal}Result {
  id: string;
  processed_at: string;
}

/** Runs steps whose template says \`handler: { callable: ${callable} }\`. */
export const ${camel} = defineHandler(
  "${callable}",
  { inputs: ${pascal}Inputs },
  async ({ input, attempt, logger }): Promise<${pascal}Result> => {
    logger.info({ id: input.id, attempt }, "${snake}");

    // A failure that trying again cannot fix (bad data, a declined card): the step ends in error.
    if (input.id.trim() === "") {
      throw new PermanentError("id is blank", { code: "blank_id", metadata: { id: input.id } });
    }

    // A transient failure (a timeout, a 503) should be retried after the template's backoff:
    //   import { RetryableError } from "${scaffold.importFrom}";
    //   throw new RetryableError("inventory service unavailable", { code: "upstream_unavailable" });
    // Pass retryAfterMs to ask for a specific delay, e.g. from a Retry-After header:
    //   throw new RetryableError("rate limited", { retryAfterMs: 5_000 });

    return { id: input.id, processed_at: new Date().toISOString() };
  },
);
`;
}

/** A vitest test that calls the handler with a context built like the worker builds it. */
export function stepHandlerTestSource(scaffold: StepHandlerScaffold): string {
  const { snake, kebab, camel } = scaffold.names;
  return `import { createLogger, PermanentError, type StepContext } from "${scaffold.importFrom}";
import { describe, expect, it } from "vitest";
import { ${camel} } from "./${kebab}.js";

/** A step context as the worker builds it, with the given task context. */
function contextFor(
  input: Record<string, unknown>,
  dependencyResults: Record<string, unknown> = {},
): StepContext {
  return {
    taskUuid: "0190a5a0-0000-7000-8000-000000000001",
    stepUuid: "0190a5a0-0000-7000-8000-000000000002",
    stepName: "${snake}",
    taskName: "example_task",
    namespace: "${scaffold.namespace ?? "default"}",
    version: "0.1.0",
    correlationId: "test-correlation-id",
    input,
    dependencyResults,
    attempt: 1,
    maxAttempts: 3,
    initialization: {},
    signal: new AbortController().signal,
    logger: createLogger({ level: "silent" }),
  };
}

describe("${camel}", () => {
  it("is registered under the callable templates use", () => {
    expect(${camel}.callable).toBe("${callableOf(scaffold)}");
  });

  it("returns its result for a valid task context", async () => {
    const result = await ${camel}.handle(contextFor({ id: "order-1" }));
    expect(result).toMatchObject({ id: "order-1" });
  });

  it("fails permanently when the task context does not match its inputs", async () => {
    await expect(${camel}.handle(contextFor({}))).rejects.toBeInstanceOf(PermanentError);
  });

  it("fails permanently, with a code, on a blank id", async () => {
    await expect(${camel}.handle(contextFor({ id: "  " }))).rejects.toMatchObject({ code: "blank_id" });
  });
});
`;
}
