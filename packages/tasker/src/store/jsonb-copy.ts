/**
 * A deep copy of a value as it reads back from a `jsonb` column: JSON (dates as ISO strings,
 * undefined fields dropped) with every object's keys in the order jsonb keeps them (shorter keys
 * first, then by their UTF-8 bytes). For values the engine hands on without reading them back (a result
 * passed to the next step of a chain), so that a handler sees the same value either way - and a
 * copy of its own, which the handler that produced it cannot change any more.
 */
export function jsonbCopy(value: unknown): unknown {
  // JSON first (toJSON, undefined fields dropped, NaN to null ...), as the column stores it.
  return value === undefined ? null : inJsonbOrder(JSON.parse(JSON.stringify(value)));
}

/** A parsed JSON value with every object's keys in jsonb's order (new objects, same leaves). */
function inJsonbOrder(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(inJsonbOrder);
  if (value === null || typeof value !== "object") return value;
  const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => compareJsonbKeys(a, b));
  for (const entry of entries) entry[1] = inJsonbOrder(entry[1]);
  // fromEntries defines own properties: a "__proto__" key stays a key, as JSON.parse leaves it.
  return Object.fromEntries(entries);
}

const ASCII = /^[\x20-\x7e]*$/;

function compareJsonbKeys(a: string, b: string): number {
  if (ASCII.test(a) && ASCII.test(b)) {
    // One byte per character: length, then code units, are the bytes' order.
    if (a.length !== b.length) return a.length - b.length;
    return a < b ? -1 : a > b ? 1 : 0;
  }
  const [x, y] = [Buffer.from(a, "utf8"), Buffer.from(b, "utf8")];
  return x.length !== y.length ? x.length - y.length : Buffer.compare(x, y);
}
