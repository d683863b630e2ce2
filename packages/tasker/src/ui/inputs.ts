import type { Context } from "hono";
import { z } from "zod";
import { validationReply } from "../api/errors.js";
import { TaskerError } from "../model/errors.js";
import { isStorableText, UNSTORABLE_TEXT_MESSAGE } from "../model/storable-text.js";

// The dashboard's query parameters and form fields are checked as the API checks its own: a bad
// value is a 400 naming the field (the page, notice or envelope the dashboard answers errors
// with), never text the database cannot take.

/** Free text in a query parameter or form field: at most `max` characters PostgreSQL can store. */
export const inputText = (max: number) =>
  z.string().max(max, `must be at most ${max} characters`).refine(isStorableText, UNSTORABLE_TEXT_MESSAGE);

/** A parameter or field left empty means "not given", as in an HTML form. */
export const optionalInput = <T extends z.ZodType>(schema: T) =>
  z.preprocess((v) => (v === "" ? undefined : v), schema.optional());

/** `values` checked against `schema`, or a 400 naming every bad field (the API's message). */
export function validInput<T extends z.ZodType>(
  target: "query" | "path" | "form",
  values: unknown,
  schema: T,
): z.output<T> {
  const parsed = schema.safeParse(values);
  if (parsed.success) return parsed.data;
  const { message, details } = validationReply(target, parsed.error).body.error;
  throw new TaskerError("BAD_REQUEST", message, details);
}

/** The request's query parameters checked against `schema` (unknown ones are ignored). */
export function readQuery<T extends z.ZodType>(c: Context, schema: T): z.output<T> {
  return validInput("query", c.req.query(), schema);
}

/**
 * The posted form's fields (the body is already bounded, see dashboard-app). A form that cannot
 * be read (a malformed multipart body, a client that went away) is a 400, not an internal error.
 */
export async function readForm(c: Context): Promise<Record<string, unknown>> {
  try {
    return await c.req.parseBody();
  } catch {
    throw new TaskerError(
      "BAD_REQUEST",
      "the form could not be read; post it from the dashboard's own pages (application/x-www-form-urlencoded)",
    );
  }
}
