// Request validation with one error shape for the whole app:
//   400 {error: "invalid request body", issues: [{path: "items.0.sku", message: "..."}]}
import { zValidator } from "@hono/zod-validator";
import type { ValidationTargets } from "hono";
import type { z } from "zod";

export interface ValidationIssue {
  path: string;
  message: string;
}

export interface ValidationErrorBody {
  error: string;
  issues: ValidationIssue[];
}

/** Zod issues as `{path, message}` with dotted paths ("" for the root). */
export function toIssues(error: {
  issues: ReadonlyArray<{ path: PropertyKey[]; message: string }>;
}): ValidationIssue[] {
  return error.issues.map((issue) => ({ path: issue.path.map(String).join("."), message: issue.message }));
}

const WHAT: Record<keyof ValidationTargets, string> = {
  json: "request body",
  form: "form body",
  query: "query string",
  param: "path parameter",
  header: "headers",
  cookie: "cookies",
};

/** `zValidator` with the app's 400 body. Use as route middleware: `validate("json", Schema)`. */
export function validate<T extends z.ZodType, Target extends keyof ValidationTargets>(
  target: Target,
  schema: T,
) {
  return zValidator(target, schema, (result, c) => {
    if (result.success) return;
    const body: ValidationErrorBody = { error: `invalid ${WHAT[target]}`, issues: toIssues(result.error) };
    return c.json(body, 400);
  });
}
