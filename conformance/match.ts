/**
 * Compares what a scenario expects with what the API answered: objects match when every expected
 * key matches (extra keys are fine), arrays and plain values must be equal. Returns one line per
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
  if (JSON.stringify(expected) === JSON.stringify(actual)) return [];
  return [`${where}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)?.slice(0, 300)}`];
}
