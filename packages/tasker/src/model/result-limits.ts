/**
 * The largest handler result or error a worker stores by default (`worker.max_result_bytes`), as
 * UTF-8 JSON: 4 MiB. A result is read again by every dependant's claim, so keep results small and
 * put bulky data elsewhere with a reference in the result.
 */
export const DEFAULT_MAX_RESULT_BYTES = 4 * 1024 * 1024;

/**
 * The highest `max_result_bytes` accepted: 64 MiB. PostgreSQL refuses a jsonb value over 256 MiB,
 * and a dependant's claim gathers every ancestor's result into one value.
 */
export const MAX_RESULT_BYTES_CEILING = 64 * 1024 * 1024;

/** The lowest `max_result_bytes` accepted (an error too large is replaced by one of about 500 bytes). */
export const MIN_RESULT_BYTES = 1024;

/**
 * The UTF-8 size of `json` when it is over `limit` bytes, else undefined. UTF-8 takes one to three
 * bytes per UTF-16 code unit, so text of at most a third of the limit in length is not measured.
 */
export function bytesOverLimit(json: string, limit: number): number | undefined {
  if (json.length * 3 <= limit) return undefined;
  const bytes = Buffer.byteLength(json, "utf8");
  return bytes > limit ? bytes : undefined;
}

/** JSON.stringify's failure on a value whose text would exceed the longest string V8 can make. */
export function isStringTooLong(err: unknown): boolean {
  return err instanceof RangeError && /invalid string length/i.test(err.message);
}
