import { describe, expect, it } from "vitest";
import { matches } from "./match.js";

describe("matches", () => {
  it("accepts extra keys in objects, nothing else", () => {
    expect(matches({ a: 1, b: { c: [1, 2] } }, { a: 1, b: { c: [1, 2], d: 3 }, e: 4 }, "x")).toEqual([]);
    expect(matches({ a: 1 }, { a: 2 }, "x")).toEqual(["x.a: expected 1, got 2"]);
    expect(matches({ b: { c: [1, 2] } }, { b: { c: [1, 2, 3] } }, "x")).toEqual([
      "x.b.c: expected [1,2], got [1,2,3]",
    ]);
    expect(matches({ a: { b: 1 } }, { a: null }, "x")).toEqual(["x.a: expected an object, got null"]);
    expect(matches({ missing: 0 }, {}, "x")).toEqual(["x.missing: expected 0, got undefined"]);
  });

  it("compares the objects in an array whatever the order of their keys, not their values", () => {
    expect(matches({ a: [{ x: 1, y: 2 }] }, { a: [{ y: 2, x: 1 }] }, "r")).toEqual([]);
    expect(matches({ a: [{ x: 1, y: 2 }] }, { a: [{ y: 2, x: 3 }] }, "r")).toHaveLength(1);
  });
});
