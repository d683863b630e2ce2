import { describe, expect, it } from "vitest";
import { ExpiringMap } from "./expiring-map.js";

describe("ExpiringMap", () => {
  it("forgets entries after their time, and keeps at most its capacity", () => {
    let now = 0;
    const map = new ExpiringMap<string, number>(3, () => now);
    map.set("a", 1, 100);
    map.set("b", 2, 1000);
    expect(map.get("a")).toBe(1);
    now = 100;
    expect(map.get("a")).toBeUndefined();
    map.set("c", 3, 1000);
    map.set("d", 4, 1000);
    map.set("e", 5, 1000);
    // Full: the oldest live entry (b) made room for e.
    expect(map.size).toBe(3);
    expect(map.get("b")).toBeUndefined();
    expect([map.get("c"), map.get("d"), map.get("e")]).toEqual([3, 4, 5]);
    expect(map.take("d")).toBe(4);
    expect(map.get("d")).toBeUndefined();
  });
});
