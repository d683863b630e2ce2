import { describe, expect, it } from "vitest";
import { CountedSet } from "./counted-set.js";

describe("CountedSet", () => {
  it("keeps a key added twice until it is deleted twice", () => {
    const s = new CountedSet<string>();
    s.add("a");
    s.add("a");
    s.add("b");
    expect([s.size, s.keys()]).toEqual([3, ["a", "b"]]);
    s.delete("a");
    expect([s.size, s.keys()]).toEqual([2, ["a", "b"]]);
    s.delete("a");
    expect([s.size, s.keys()]).toEqual([1, ["b"]]);
  });

  it("ignores deleting a key it does not hold", () => {
    const s = new CountedSet<string>();
    s.add("a");
    s.delete("x");
    s.delete("a");
    s.delete("a");
    expect([s.size, s.keys()]).toEqual([0, []]);
  });
});
