// PostgreSQL stores neither NUL characters (in text or jsonb) nor unpaired UTF-16 surrogates (in
// jsonb; in text they silently become U+FFFD). Text that reaches the database is checked here
// first, so bad input is a 400 naming the field instead of an internal error - and a handler's
// result that cannot be stored fails its step instead of being redelivered for ever.

const UNPAIRED_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

export const UNSTORABLE_TEXT_MESSAGE =
  "must not contain NUL characters (\\u0000) or unpaired UTF-16 surrogates, which PostgreSQL cannot store";

/** Can PostgreSQL store this string exactly as it is? */
export function isStorableText(s: string): boolean {
  return !s.includes("\u0000") && !UNPAIRED_SURROGATE.test(s);
}

/** What is wrong with one string, for messages. */
export function unstorableTextProblem(s: string): string {
  return s.includes("\u0000")
    ? "contains a NUL character (\\u0000), which PostgreSQL cannot store"
    : "contains an unpaired UTF-16 surrogate (not valid Unicode), which PostgreSQL cannot store";
}

/**
 * The first string (value or object key) in a JSON-like value that PostgreSQL cannot store, with
 * its path from the root; null when there is none. Iterative: hostile nesting cannot overflow it.
 */
export function findUnstorableText(value: unknown): { path: (string | number)[]; problem: string } | null {
  // Each entry links to its parent, so the path is only built for the one bad string.
  type Entry = { v: unknown; key: string | number | null; parent: Entry | null };
  const pathOf = (e: Entry | null): (string | number)[] => {
    const path: (string | number)[] = [];
    for (let at = e; at && at.key !== null; at = at.parent) path.push(at.key);
    return path.reverse();
  };
  const stack: Entry[] = [{ v: value, key: null, parent: null }];
  while (stack.length > 0) {
    const entry = stack.pop()!;
    const v = entry.v;
    if (typeof v === "string") {
      if (!isStorableText(v)) return { path: pathOf(entry), problem: unstorableTextProblem(v) };
      continue;
    }
    if (v === null || typeof v !== "object") continue;
    if (Array.isArray(v)) {
      v.forEach((child, i) => {
        stack.push({ v: child, key: i, parent: entry });
      });
      continue;
    }
    for (const [key, child] of Object.entries(v)) {
      if (!isStorableText(key)) {
        return { path: [...pathOf(entry), key], problem: `key ${unstorableTextProblem(key)}` };
      }
      stack.push({ v: child, key, parent: entry });
    }
  }
  return null;
}

/** The same text with what PostgreSQL cannot store replaced by U+FFFD (for diagnostics only). */
export function toStorableText(s: string): string {
  if (isStorableText(s)) return s;
  return s.replaceAll("\u0000", "\ufffd").replace(new RegExp(UNPAIRED_SURROGATE.source, "g"), "\ufffd");
}

/**
 * A copy of a JSON-like value whose strings and keys PostgreSQL can store (see toStorableText),
 * for diagnostics such as a handler's error. Nesting past `maxDepth` is cut off.
 */
export function toStorableJson(value: unknown, maxDepth = 64): unknown {
  if (typeof value === "string") return toStorableText(value);
  if (value === null || typeof value !== "object") return value;
  if (maxDepth <= 0) return "[nested too deeply]";
  if (Array.isArray(value)) return value.map((v) => toStorableJson(v, maxDepth - 1));
  return Object.fromEntries(
    Object.entries(value).map(([k, v]) => [toStorableText(k), toStorableJson(v, maxDepth - 1)]),
  );
}
