import { z } from "zod";
import { closestNames } from "./closest-names.js";

export interface UnknownKey {
  /** Path of the unknown key, e.g. `["steps", 2, "retyr"]`. */
  path: (string | number)[];
  /** Known keys at that level that are close to it (for "did you mean"). */
  suggestions: string[];
}

/**
 * Keys in `value` that `schema` does not declare. Zod strips them silently; users asked for a
 * warning instead, because a misspelled optional key (`retyr:`) otherwise vanishes without a trace.
 * Free-form parts of a schema (records of unknown, loose objects) are not inspected.
 */
export function findUnknownKeys(value: unknown, schema: z.ZodType): UnknownKey[] {
  const found: UnknownKey[] = [];
  walk(value, schema, [], found);
  return found;
}

function walk(value: unknown, schema: z.ZodType, path: (string | number)[], found: UnknownKey[]): void {
  const inner = unwrap(schema);
  if (inner instanceof z.ZodObject) {
    if (!isPlainObject(value)) return;
    const shape = inner.shape as Record<string, z.ZodType>;
    const known = Object.keys(shape);
    const acceptsAnyKey =
      inner._zod.def.catchall !== undefined && !(inner._zod.def.catchall instanceof z.ZodNever);
    for (const [key, child] of Object.entries(value)) {
      const childSchema = shape[key];
      if (childSchema) walk(child, childSchema, [...path, key], found);
      else if (!acceptsAnyKey) found.push({ path: [...path, key], suggestions: closestNames(key, known) });
    }
  } else if (inner instanceof z.ZodArray) {
    if (!Array.isArray(value)) return;
    value.forEach((item, i) => {
      walk(item, inner.element as z.ZodType, [...path, i], found);
    });
  } else if (inner instanceof z.ZodRecord) {
    if (!isPlainObject(value)) return;
    for (const [key, child] of Object.entries(value)) {
      walk(child, inner.valueType as z.ZodType, [...path, key], found);
    }
  }
}

/** Looks through wrappers (default, optional, pipes of a transform) to the schema of the input. */
function unwrap(schema: z.ZodType): z.ZodType {
  let current: z.ZodType = schema;
  for (;;) {
    if (
      current instanceof z.ZodDefault ||
      current instanceof z.ZodPrefault ||
      current instanceof z.ZodOptional ||
      current instanceof z.ZodNullable
    ) {
      current = current.unwrap() as z.ZodType;
    } else if (current instanceof z.ZodPipe) {
      current = current.in as z.ZodType;
    } else {
      return current;
    }
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
