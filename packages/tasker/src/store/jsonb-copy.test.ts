import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "./database.js";
import { jsonbCopy } from "./jsonb-copy.js";
import { openPgliteDatabase } from "./pglite-database.js";

describe("jsonbCopy", () => {
  let db: Database;
  beforeAll(async () => {
    db = await openPgliteDatabase("memory://");
  });
  afterAll(async () => {
    await db?.close();
  });

  /** The value as it reads back from a jsonb column. */
  async function throughJsonb(value: unknown): Promise<unknown> {
    const [row] = await db.query<{ v: unknown }>("SELECT $1::jsonb AS v", [JSON.stringify(value)]);
    return row?.v;
  }

  it("orders every object's keys as a jsonb round trip does", async () => {
    const value = {
      zeta: 1,
      a: { long_key: [{ yy: 1, b: 2, aa: 3 }], z: null, é: "two bytes", e: true },
      bb: "x",
      "": "empty",
      ü1: { c: 1, "€": 2, ab: 3 },
      B: 2,
      b: 3,
      "10": 4,
      "9": 5,
    };
    const copy = jsonbCopy(value);
    const stored = await throughJsonb(value);
    expect(JSON.stringify(copy)).toBe(JSON.stringify(stored));
    expect(copy).toEqual(value);
  });

  it("follows JSON as the column stores it: dates as strings, undefined fields dropped, NaN as null", async () => {
    const value = { at: new Date(0), gone: undefined, n: Number.NaN, list: [undefined, 1], nested: { x: 1 } };
    const stored = await throughJsonb(value);
    expect(jsonbCopy(value)).toEqual(stored);
    expect(JSON.stringify(jsonbCopy(value))).toBe(JSON.stringify(stored));
    expect(jsonbCopy(undefined)).toBeNull();
  });

  it("copies: changing the original afterwards leaves the copy as it was", () => {
    const original = { list: [{ n: 1 }], inner: { k: "v" } };
    const copy = jsonbCopy(original) as typeof original;
    original.list[0]!.n = 2;
    original.inner.k = "changed";
    expect(copy).toEqual({ list: [{ n: 1 }], inner: { k: "v" } });
  });

  it("keeps a __proto__ key as a key, as JSON.parse does", () => {
    const parsed = JSON.parse('{"__proto__": {"x": 1}, "a": 2}');
    const copy = jsonbCopy(parsed) as Record<string, unknown>;
    expect(Object.keys(copy)).toEqual(["a", "__proto__"]);
    expect(Object.getPrototypeOf(copy)).toBe(Object.prototype);
  });
});
