import { describe, expect, it } from "vitest";
import { closestNames, didYouMean, editDistance } from "./closest-names.js";

describe("editDistance", () => {
  it("counts insertions, deletions and substitutions", () => {
    expect(editDistance("", "abc")).toBe(3);
    expect(editDistance("kitten", "sitting")).toBe(3);
    expect(editDistance("same", "same")).toBe(0);
  });

  it("counts a swapped pair of letters as one edit", () => {
    expect(editDistance("validate_inventroy", "validate_inventory")).toBe(1);
  });
});

describe("closestNames", () => {
  it("returns close candidates, nearest first", () => {
    expect(closestNames("retyr", ["retries", "timeout_seconds", "retry"])).toEqual(["retry"]);
    expect(closestNames("handlr", ["handlers", "handler"])).toEqual(["handler", "handlers"]);
  });

  it("returns nothing when no candidate is close", () => {
    expect(closestNames("zzz", ["validate_inventory", "process_payment"])).toEqual([]);
  });

  it("never suggests the name itself", () => {
    expect(closestNames("retry", ["retry"])).toEqual([]);
  });
});

describe("didYouMean", () => {
  it("formats one or more suggestions", () => {
    expect(didYouMean("dependecies", ["dependencies"])).toBe(' (did you mean "dependencies"?)');
    expect(didYouMean("ab", ["abc", "abd"])).toBe(' (did you mean "abc" or "abd"?)');
    expect(didYouMean("xyz_long_name", ["other"])).toBe("");
  });
});
