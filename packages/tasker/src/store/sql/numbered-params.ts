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

// Statements list their names in module constants: their duplicates are dropped once, not per call.
const uniqueByList = new WeakMap<readonly string[], readonly string[]>();
function uniqueNames<K extends string>(names: readonly K[]): readonly K[] {
  let unique = uniqueByList.get(names);
  if (!unique) {
    unique = [...new Set(names)];
    uniqueByList.set(names, unique);
  }
  return unique as readonly K[];
}

/** The values of `names` in the order {@link numberParams} numbered them. */
export function paramValues<K extends string>(
  names: readonly K[],
  values: Readonly<Partial<Record<K, unknown>>>,
): unknown[] {
  return uniqueNames(names).map((name) => {
    // A record built key by key may lack a name the compiler cannot see: say it here.
    if (!(name in values)) throw new Error(`no value for the statement parameter "${name}"`);
    return values[name];
  });
}

/** A statement's text numbered for the parameters its parts use, and those names in that order. */
export interface NumberedSql<K extends string> {
  sql: string;
  names: readonly K[];
}

/**
 * Numbers only the names `build` actually writes into the text: a statement whose parts depend on
 * the call (a CTE left out when it has nothing to write) must not declare a parameter it never
 * uses, whose type PostgreSQL could not infer. Build once per shape, not per call.
 */
export function numberUsedParams<K extends string>(
  names: readonly K[],
  build: (p: ParamRefs<K>) => string,
): NumberedSql<K> {
  const marks = {} as Record<K, string>;
  // A mark no statement writes itself (no dollar quoting here), replaced by its number below.
  for (const name of names) marks[name] = `$${name}$`;
  const text = build(marks);
  const used = uniqueNames(names).filter((name) => text.includes(marks[name]));
  const refs = numberParams(used);
  const sql = text.replace(/\$([A-Za-z_]\w*)\$/g, (_, name: string) => refs[name as K]);
  return { sql, names: used };
}

/**
 * `build` called once per shape (named by `key`): a statement whose text depends on the call's
 * shape keeps one string per shape, by which its prepared statement is found on every call.
 */
export function builtPerShape<S, K extends string>(
  key: (shape: S) => string,
  build: (shape: S) => NumberedSql<K>,
): (shape: S) => NumberedSql<K> {
  const built = new Map<string, NumberedSql<K>>();
  return (shape) => {
    const k = key(shape);
    let text = built.get(k);
    if (!text) {
      text = build(shape);
      built.set(k, text);
    }
    return text;
  };
}
