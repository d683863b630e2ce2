import { describe, expect, it } from "vitest";
import { columnStats, profileColumns } from "./column-stats.js";

describe("columnStats", () => {
  it("profiles a numeric column, counting nulls and distinct values", () => {
    const rows = [{ q: 1 }, { q: "3" }, { q: null }, { q: 3 }, {}];
    expect(columnStats(rows, "q")).toEqual({
      type: "number",
      count: 5,
      nulls: 2,
      distinct: 2, // "3" and 3 are the same value
      min: 1,
      max: 3,
      mean: 2.3333,
    });
  });

  it("profiles text lexicographically, flags mixed columns, and handles empty ones", () => {
    expect(columnStats([{ r: "west" }, { r: "east" }, { r: "east" }], "r")).toMatchObject({
      type: "string",
      distinct: 2,
      min: "east",
      max: "west",
      mean: null,
    });
    expect(columnStats([{ q: 1 }, { q: "n/a" }], "q").type).toBe("mixed");
    expect(columnStats([{ q: "" }], "q")).toMatchObject({ type: "empty", nulls: 1, min: null });
  });

  it("profiles every named column", () => {
    expect(Object.keys(profileColumns([{ a: 1, b: "x" }], ["a", "b"]))).toEqual(["a", "b"]);
  });
});
