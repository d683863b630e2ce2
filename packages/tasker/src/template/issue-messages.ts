import type { z } from "zod";

type RawIssue = z.core.$ZodRawIssue;

/**
 * A per-parse Zod error map that says what was expected and what was found, in words a YAML or
 * TOML author understands ("expected an integer, got \"ten\""). Messages set on a schema itself
 * take precedence; anything not handled here falls back to Zod's default.
 */
export function friendlyIssueMessage(issue: RawIssue): string | undefined {
  const got = describeValue(issue.input);
  switch (issue.code) {
    case "invalid_type": {
      const expected = expectedName(String(issue.expected));
      if (issue.input === undefined) return `is required (expected ${expected})`;
      return `expected ${expected}, got ${got}`;
    }
    case "too_small": {
      const min = String(issue.minimum);
      if (issue.origin === "array" || issue.origin === "set") return `needs at least ${min} item(s)`;
      if (issue.origin === "string") {
        return min === "1" ? "must not be empty" : `must be at least ${min} characters long`;
      }
      return `must be ${issue.inclusive ? ">=" : ">"} ${min}, got ${got}`;
    }
    case "too_big": {
      const max = String(issue.maximum);
      if (issue.origin === "array" || issue.origin === "set") return `may have at most ${max} item(s)`;
      if (issue.origin === "string") return `must be at most ${max} characters long`;
      return `must be ${issue.inclusive ? "<=" : "<"} ${max}, got ${got}`;
    }
    case "invalid_value":
      return `must be one of ${issue.values.map((v) => JSON.stringify(v)).join(", ")}, got ${got}`;
    case "invalid_format":
      if (issue.format === "regex" && "pattern" in issue)
        return `must match ${String(issue.pattern)}, got ${got}`;
      return `must be a valid ${issue.format}, got ${got}`;
    default:
      return undefined;
  }
}

function expectedName(expected: string): string {
  switch (expected) {
    case "string":
      return "a string";
    case "number":
      return "a number";
    case "int":
      return "an integer";
    case "boolean":
      return "true or false";
    case "array":
      return "a list";
    case "object":
    case "record":
      return "an object";
    default:
      return expected;
  }
}

/** An error option for `.regex()` and friends: the given explanation, plus what was found. */
export function withInput(explanation: string) {
  return { error: (issue: RawIssue) => `${explanation} (got ${describeValue(issue.input)})` };
}

/** A short description of a value for error messages (never dumps whole objects). */
export function describeValue(value: unknown): string {
  if (value === undefined) return "nothing";
  if (value === null) return "null (an empty value)";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "object") return "an object";
  if (typeof value === "string") {
    const shown = value.length > 60 ? `${value.slice(0, 57)}...` : value;
    return JSON.stringify(shown);
  }
  if (typeof value === "number" && Number.isInteger(value)) return String(value);
  return String(value);
}
