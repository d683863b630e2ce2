import { checkContextLimits } from "../model/context-limits.js";
import { TaskerError } from "../model/errors.js";

/**
 * Applies the engine's context limits (size, depth, keys, string length) to another JSON value
 * a client sends, such as `completion_data.result`, naming that field in the error.
 */
export function assertWithinContextLimits(value: unknown, field: string): void {
  const violation = checkContextLimits(value);
  if (!violation) return;
  const rename = (s: string) => s.replace(/^context/, field);
  throw new TaskerError(violation.code, rename(violation.message), { path: rename(violation.path) });
}

/**
 * The deepest bracket nesting in JSON text, without parsing it (strings are skipped), stopping
 * early once `stopAbove` is exceeded. Rejecting absurd nesting before `JSON.parse` keeps every
 * later step (validation, `JSON.stringify`, jsonb) away from stack overflows.
 */
export function jsonTextNestingDepth(text: string, stopAbove = Number.POSITIVE_INFINITY): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    if (inString) {
      if (ch === 0x5c /* \ */) i++;
      else if (ch === 0x22 /* " */) inString = false;
      continue;
    }
    if (ch === 0x22) inString = true;
    else if (ch === 0x7b /* { */ || ch === 0x5b /* [ */) {
      depth++;
      if (depth > deepest) {
        deepest = depth;
        if (deepest > stopAbove) return deepest;
      }
    } else if (ch === 0x7d /* } */ || ch === 0x5d /* ] */) depth--;
  }
  return deepest;
}
