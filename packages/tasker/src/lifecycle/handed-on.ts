/**
 * What a worker hands from one step of a chain to the next without reading it back: the task's
 * context and the dependencies' results, kept as JSON texts (each result's once, in jsonb key
 * order), so that each step's handler gets a fresh copy, exactly as a read would give it (JSON,
 * keys in jsonb's order), which no earlier handler can have changed. A step's dependencies grow
 * along a chain (every ancestor's result): adding one is a text per result, and a copy one
 * JSON.parse, where copying the values themselves cost a deep copy per step and more.
 */
export class HandedOn {
  private constructor(
    private readonly contextText: string,
    /** Each dependency's name and result (JSON), sorted as jsonb sorts keys. */
    private readonly results: readonly (readonly [string, string])[],
  ) {}

  /** Taken from a claim before its handler runs (which may change what it was given). */
  static of(context: unknown, dependencyResults: Readonly<Record<string, unknown>>): HandedOn {
    const results = Object.entries(dependencyResults).map(([k, v]) => [k, jsonbText(v)] as const);
    results.sort(([a], [b]) => compareJsonbKeys(a, b));
    return new HandedOn(jsonbText(context), results);
  }

  /** The dependencies' results of the step after this one: these, and this step's `result`. */
  withResult(name: string, result: unknown): HandedOn {
    const entry = [name, jsonbText(result)] as const;
    const results = this.results.filter(([k]) => k !== name);
    let at = results.findIndex(([k]) => compareJsonbKeys(name, k) < 0);
    if (at < 0) at = results.length;
    results.splice(at, 0, entry);
    return new HandedOn(this.contextText, results);
  }

  /** A fresh copy of the context. */
  context(): Record<string, unknown> {
    return JSON.parse(this.contextText) as Record<string, unknown>;
  }

  /** A fresh copy of the dependencies' results, keys in jsonb's order. */
  dependencyResults(): Record<string, unknown> {
    if (this.results.length === 0) return {};
    return JSON.parse(`{${this.results.map(([k, v]) => `${JSON.stringify(k)}:${v}`).join(",")}}`) as Record<
      string,
      unknown
    >;
  }
}

/**
 * A value as JSON text, as it reads back from a `jsonb` column: JSON (dates as ISO strings,
 * undefined fields dropped, undefined as null) with every object's keys in jsonb's order (shorter
 * keys first, then by their UTF-8 bytes).
 */
export function jsonbText(value: unknown): string {
  if (value === undefined) return "null";
  const json = JSON.stringify(value);
  // Scalars and arrays of scalars need no reordering; objects are parsed and written again sorted.
  return /[{]/.test(json) ? JSON.stringify(inJsonbOrder(JSON.parse(json))) : json;
}

/** A deep copy of a value as it reads back from a `jsonb` column (see jsonbText). */
export function jsonbCopy(value: unknown): unknown {
  return JSON.parse(jsonbText(value));
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

/** jsonb's order of object keys: shorter first, then by their UTF-8 bytes. */
function compareJsonbKeys(a: string, b: string): number {
  if (ASCII.test(a) && ASCII.test(b)) {
    // One byte per character: length, then code units, are the bytes' order.
    if (a.length !== b.length) return a.length - b.length;
    return a < b ? -1 : a > b ? 1 : 0;
  }
  const [x, y] = [Buffer.from(a, "utf8"), Buffer.from(b, "utf8")];
  return x.length !== y.length ? x.length - y.length : Buffer.compare(x, y);
}
