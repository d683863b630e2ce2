import { bytesOverLimit, isStringTooLong } from "./result-limits.js";
import { findUnstorableText } from "./storable-text.js";

/**
 * The largest checkpoint a step may save, as UTF-8 JSON: 64 KiB. A checkpoint is written while the
 * step runs, possibly often, and read by every claim of the step: it says where to go on from (a
 * cursor, counts), not the work itself.
 */
export const MAX_CHECKPOINT_BYTES = 64 * 1024;

/** What a handler saves to resume from: a JSON object, by convention with a `cursor`. */
export type StepCheckpoint = { cursor?: unknown } & Record<string, unknown>;

/** A checkpoint as stored (its JSON text), or why it cannot be. */
export type CheckedCheckpoint = { ok: true; json: string } | { ok: false; message: string };

/** Checks a checkpoint before it is saved: a JSON object of storable text within the size limit. */
export function checkCheckpoint(value: unknown, maxBytes = MAX_CHECKPOINT_BYTES): CheckedCheckpoint {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    return { ok: false, message: "a checkpoint must be a JSON object, e.g. { cursor: 500 }" };
  }
  let json: string;
  try {
    json = JSON.stringify(value);
  } catch (err) {
    if (isStringTooLong(err)) return { ok: false, message: tooLarge(null, maxBytes) };
    return { ok: false, message: `a checkpoint must be JSON: ${(err as Error).message}` };
  }
  const size = bytesOverLimit(json, maxBytes);
  if (size !== undefined) return { ok: false, message: tooLarge(size, maxBytes) };
  const bad = findUnstorableText(JSON.parse(json));
  if (bad) return { ok: false, message: `checkpoint.${bad.path.join(".")} ${bad.problem}` };
  return { ok: true, json };
}

function tooLarge(size: number | null, limit: number): string {
  const measured = size === null ? "too large to serialise" : `${size} bytes as JSON`;
  return `the checkpoint is ${measured}; the limit is ${limit} bytes: save where to go on from (a cursor), not the work`;
}
