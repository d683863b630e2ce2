/**
 * Compares what a scenario expects with what the API answered: objects match when every expected
 * key matches (extra keys are fine), arrays and plain values must be equal (the order of an
 * object's keys inside an array does not count: PostgreSQL's jsonb reorders them). Returns one line per
 * difference, each naming where it is.
 */
export function matches(expected: unknown, actual: unknown, where: string): string[] {
  if (expected !== null && typeof expected === "object" && !Array.isArray(expected)) {
    if (actual === null || typeof actual !== "object" || Array.isArray(actual)) {
      return [`${where}: expected an object, got ${JSON.stringify(actual)}`];
    }
    return Object.entries(expected).flatMap(([key, value]) =>
      matches(value, (actual as Record<string, unknown>)[key], `${where}.${key}`),
    );
  }
  if (canonical(expected) === canonical(actual)) return [];
  return [`${where}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)?.slice(0, 300)}`];
}

/** JSON with every object's keys sorted, so equal values compare equal whatever their key order. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v) =>
    v !== null && typeof v === "object" && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );
}
