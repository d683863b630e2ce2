import { readFileSync } from "node:fs";
import { usageError } from "./exit-codes.js";

/** Parses JSON given on the command line; `what` names the option in the error. */
export function parseJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw usageError(
      `${what} is not valid JSON (${(err as Error).message}); quote it, e.g. ${what} '{"id": 1}'`,
    );
  }
}

/** Like parseJson, but the value must be a JSON object (a task context, say). */
export function parseJsonObject(text: string, what: string): Record<string, unknown> {
  const value = parseJson(text, what);
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw usageError(`${what} must be a JSON object like '{"key": "value"}', got ${describe(value)}`);
  }
  return value as Record<string, unknown>;
}

/** Reads a JSON file (`-` = stdin); errors name the option and the file. */
export function readJsonFile(path: string, what: string): unknown {
  let text: string;
  try {
    text = readFileSync(path === "-" ? 0 : path, "utf8");
  } catch (err) {
    throw usageError(`${what}: cannot read ${path} (${(err as NodeJS.ErrnoException).code ?? err})`);
  }
  return parseJson(text, `${what} ${path}`);
}

/**
 * One JSON value from either an inline option or a file option (not both); undefined when
 * neither was given. `names` are the two option names for messages.
 */
export function jsonFromInlineOrFile(
  inline: string | undefined,
  file: string | undefined,
  names: { inline: string; file: string },
): unknown {
  if (inline !== undefined && file !== undefined) {
    throw usageError(`pass ${names.inline} or ${names.file}, not both`);
  }
  if (inline !== undefined) return parseJson(inline, names.inline);
  if (file !== undefined) return readJsonFile(file, names.file);
  return undefined;
}

function describe(value: unknown): string {
  if (Array.isArray(value)) return "an array";
  if (value === null) return "null";
  return `a ${typeof value}`;
}
