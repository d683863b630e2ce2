/** One dependency's result as JSON text, and the entry added before it (see HandedOn). */
interface Entry {
  readonly name: string;
  readonly text: string;
  readonly prev: Entry | undefined;
}

/**
 * What a worker hands from one step of a chain to the next without reading it back: the task's
 * context and the dependencies' results, kept as JSON texts (each result's once, in jsonb key
 * order), so that each step's handler gets a fresh copy, exactly as a read would give it (JSON,
 * keys in jsonb's order), which no earlier handler can have changed. A step's dependencies grow
 * along a chain (every ancestor's result): they are a list that each step extends by its own
 * result (a step costs the same at the 1,000th step of a chain as at the first), made into an
 * object only when a handler reads them (see defineLazy).
 */
export class HandedOn {
  private constructor(
    private readonly contextText: string,
    /** The results, newest first: a name given again replaces the older one. */
    private readonly last: Entry | undefined,
  ) {}

  /** Taken from a claim before its handler runs (which may change what it was given). */
  static of(context: unknown, dependencyResults: Readonly<Record<string, unknown>>): HandedOn {
    let last: Entry | undefined;
    for (const [name, value] of Object.entries(dependencyResults)) {
      last = { name, text: jsonbText(value), prev: last };
    }
    return new HandedOn(jsonbText(context), last);
  }

  /** The dependencies' results of the step after this one: these, and this step's `result`. */
  withResult(name: string, result: unknown): HandedOn {
    return new HandedOn(this.contextText, { name, text: jsonbText(result), prev: this.last });
  }

  /** A fresh copy of the context. */
  context(): Record<string, unknown> {
    return JSON.parse(this.contextText) as Record<string, unknown>;
  }

  /** A fresh copy of the dependencies' results, keys in jsonb's order. */
  dependencyResults(): Record<string, unknown> {
    if (this.last === undefined) return {};
    const seen = new Set<string>();
    const entries: Entry[] = [];
    for (let e: Entry | undefined = this.last; e !== undefined; e = e.prev) {
      if (seen.has(e.name)) continue;
      seen.add(e.name);
      entries.push(e);
    }
    entries.sort((a, b) => compareJsonbKeys(a.name, b.name));
    return JSON.parse(`{${entries.map((e) => `${JSON.stringify(e.name)}:${e.text}`).join(",")}}`) as Record<
      string,
      unknown
    >;
  }
}

/**
 * Defines `key` on `target` as a value made when it is first read (then kept): what a handler may
 * never read costs nothing. A write replaces it, as for a plain field; the property stays enumerable,
 * so a spread or JSON.stringify of `target` reads it.
 */
export function defineLazy<T extends object, K extends keyof T>(target: T, key: K, make: () => T[K]): T {
  let made = false;
  let value: T[K];
  return Object.defineProperty(target, key, {
    enumerable: true,
    configurable: true,
    get() {
      if (!made) {
        value = make();
        made = true;
      }
      return value;
    },
    set(v: T[K]) {
      value = v;
      made = true;
    },
  });
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

/** Printable ASCII only (one byte per character; what step names are made of). */
function isAscii(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || c > 0x7e) return false;
  }
  return true;
}

/** jsonb's order of object keys: shorter first, then by their UTF-8 bytes. */
function compareJsonbKeys(a: string, b: string): number {
  if (isAscii(a) && isAscii(b)) {
    // One byte per character: length, then code units, are the bytes' order.
    if (a.length !== b.length) return a.length - b.length;
    return a < b ? -1 : a > b ? 1 : 0;
  }
  const [x, y] = [Buffer.from(a, "utf8"), Buffer.from(b, "utf8")];
  return x.length !== y.length ? x.length - y.length : Buffer.compare(x, y);
}
