import { describe, expect, it } from "vitest";
import { positionRanges, rangePositions } from "./ancestor-positions.js";

describe("positionRanges", () => {
  it("makes runs of consecutive positions one range each, in order", () => {
    expect(positionRanges([5, 0, 2, 1, 2])).toBe("{[0,3),[5,6)}");
    expect(positionRanges(Array.from({ length: 1000 }, (_, i) => i))).toBe("{[0,1000)}");
  });

  it("writes no position as the empty multirange", () => {
    expect(positionRanges([])).toBe("{}");
  });
});

describe("rangePositions", () => {
  it("reads back what positionRanges wrote", () => {
    expect(rangePositions("{[0,3),[5,6)}")).toEqual([0, 1, 2, 5]);
    expect(rangePositions("{}")).toEqual([]);
  });
});
