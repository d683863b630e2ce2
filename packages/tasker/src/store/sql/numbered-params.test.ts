import { describe, expect, it } from "vitest";
import { builtPerShape, numberParams, numberUsedParams, paramValues } from "./numbered-params.js";

describe("numberParams / paramValues", () => {
  const names = ["a", "b", "a", "c"] as const;

  it("numbers each name once and lists its value at that number", () => {
    expect(numberParams(names)).toEqual({ a: "$1", b: "$2", c: "$3" });
    expect(paramValues(names, { a: 1, b: "x", c: null })).toEqual([1, "x", null]);
  });

  it("refuses a name the values lack", () => {
    expect(() => paramValues(names, { a: 1, b: 2 })).toThrow('no value for the statement parameter "c"');
  });
});

describe("numberUsedParams", () => {
  const names = ["a", "b", "c", "b"] as const;

  it("numbers only the names the text uses, in the list's order, and lists them", () => {
    const built = numberUsedParams(names, (p) => `SELECT ${p.c}::int, ${p.a}::text, ${p.c}::int`);
    expect(built.sql).toBe("SELECT $2::int, $1::text, $2::int");
    expect(built.names).toEqual(["a", "c"]);
    expect(paramValues(built.names, { a: "x", b: 1, c: 2 })).toEqual(["x", 2]);
  });

  it("gives every name its number when all are used", () => {
    const built = numberUsedParams(names, (p) => `${p.b} ${p.a} ${p.c}`);
    expect(built.sql).toBe("$2 $1 $3");
    expect(built.names).toEqual(["a", "b", "c"]);
  });
});

describe("builtPerShape", () => {
  it("builds a shape's text once and gives the same text for every call of that shape", () => {
    const built: boolean[] = [];
    const text = builtPerShape(
      (wide: boolean) => `${+wide}`,
      (wide) => {
        built.push(wide);
        return numberUsedParams(["a", "b"] as const, (p) => (wide ? `${p.a}, ${p.b}` : `${p.b}`));
      },
    );
    expect(text(true)).toBe(text(true));
    expect(text(false).sql).toBe("$1");
    expect(text(false)).toBe(text(false));
    expect(built).toEqual([true, false]);
  });
});
