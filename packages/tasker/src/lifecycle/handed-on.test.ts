import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "../store/database.js";
import { openPgliteDatabase } from "../store/pglite-database.js";
import { defineLazy, HandedOn, jsonbCopy } from "./handed-on.js";

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

describe("HandedOn", () => {
  let db: Database;
  beforeAll(async () => {
    db = await openPgliteDatabase("memory://");
  });
  afterAll(async () => {
    await db?.close();
  });

  it("hands the next step of a chain the results a read gives: the ones given and the step's own, in jsonb order", async () => {
    const given = { fetch: { rows: [1, 2], zz: true, a: null }, b: "x" };
    const handed = HandedOn.of({ order: 7, customer: { name: "n", id: 1 } }, given);
    const next = handed.withResult("validate", { ok: true, at: new Date(0), skip: undefined });
    const [row] = await db.query<{ deps: unknown; context: unknown }>(
      `SELECT jsonb_build_object('fetch', $1::jsonb, 'b', $2::jsonb, 'validate', $3::jsonb) AS deps, $4::jsonb AS context`,
      [
        JSON.stringify(given.fetch),
        JSON.stringify(given.b),
        JSON.stringify({ ok: true, at: new Date(0) }),
        JSON.stringify({ order: 7, customer: { name: "n", id: 1 } }),
      ],
    );
    expect(JSON.stringify(next.dependencyResults())).toBe(JSON.stringify(row?.deps));
    expect(JSON.stringify(next.context())).toBe(JSON.stringify(row?.context));
  });

  it("gives a fresh copy each time, which neither the earlier handlers nor the later ones can change", () => {
    const given = { a: { n: 1 } };
    const context = { list: [1] };
    const handed = HandedOn.of(context, given);
    given.a.n = 2; // the handler that was given it changes it
    context.list.push(2);
    const one = handed.withResult("b", { m: 1 });
    const first = one.dependencyResults() as { a: { n: number }; b: { m: number } };
    first.a.n = 3;
    expect(one.dependencyResults()).toEqual({ a: { n: 1 }, b: { m: 1 } });
    expect(one.context()).toEqual({ list: [1] });
    expect(handed.dependencyResults()).toEqual({ a: { n: 1 } });
  });

  it("a step's result replaces one of the same name (a step retried at once gives nothing new)", () => {
    const handed = HandedOn.of({}, { a: 1 }).withResult("a", 2).withResult("bb", null);
    expect(handed.dependencyResults()).toEqual({ a: 2, bb: null });
    expect(HandedOn.of({}, {}).dependencyResults()).toEqual({});
  });
});

describe("HandedOn along a long chain", () => {
  it("adds each step's result in turn and gives every ancestor's, in jsonb order", () => {
    let handed = HandedOn.of({ n: 1 }, {});
    for (let i = 0; i < 1000; i++) handed = handed.withResult(`s${i}`, { i });
    const results = handed.dependencyResults();
    const names = Object.keys(results);
    expect(names).toHaveLength(1000);
    // jsonb's order: shorter names first, then by bytes.
    expect(names.slice(0, 11)).toEqual(["s0", "s1", "s2", "s3", "s4", "s5", "s6", "s7", "s8", "s9", "s10"]);
    expect(names.at(-1)).toBe("s999");
    expect(results.s500).toEqual({ i: 500 });
  });
});

describe("defineLazy", () => {
  it("makes the value on the first read only, keeps it enumerable, and lets a write replace it", () => {
    let made = 0;
    const target = defineLazy({ a: 1, b: {} as Record<string, number> }, "b", () => {
      made++;
      return { x: 1 };
    });
    expect(made).toBe(0);
    expect(Object.keys(target)).toEqual(["a", "b"]);
    expect(target.b).toEqual({ x: 1 });
    expect(target.b).toBe(target.b);
    expect(made).toBe(1);
    expect({ ...target }).toEqual({ a: 1, b: { x: 1 } });
    target.b = { y: 2 };
    expect(JSON.stringify(target)).toBe('{"a":1,"b":{"y":2}}');
    expect(made).toBe(1);
  });
});
