/**
 * Named parameters for statements assembled from parts (CTEs shared by several statements): each
 * part writes `${p.taskUuid}` instead of a fixed `$1`, and the statement that uses it numbers the
 * names once. Values are listed by the same names, so text and values cannot drift apart.
 */
export type ParamRefs<K extends string> = Readonly<Record<K, string>>;

/** `$1`, `$2`, ... for `names` in order (a name listed twice keeps its first number). */
export function numberParams<K extends string>(names: readonly K[]): ParamRefs<K> {
  const refs = {} as Record<K, string>;
  let n = 0;
  for (const name of names) {
    if (!(name in refs)) refs[name] = `$${++n}`;
  }
  return refs;
}

/** The values of `names` in the order {@link numberParams} numbered them. */
export function paramValues<K extends string>(
  names: readonly K[],
  values: Readonly<Record<K, unknown>>,
): unknown[] {
  const seen = new Set<K>();
  const out: unknown[] = [];
  for (const name of names) {
    if (seen.has(name)) continue;
    seen.add(name);
    out.push(values[name]);
  }
  return out;
}
