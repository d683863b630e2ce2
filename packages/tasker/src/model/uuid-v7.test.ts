import { validate, version } from "uuid";
import { describe, expect, it, vi } from "vitest";
import { uuidv7 } from "./uuid-v7.js";

describe("uuidv7", () => {
  it("makes distinct version 7 uuids that sort in the order they were made", () => {
    const made = Array.from({ length: 5000 }, () => uuidv7());
    for (const u of made) {
      expect(validate(u)).toBe(true);
      expect(version(u)).toBe(7);
    }
    expect(new Set(made).size).toBe(made.length);
    expect([...made].sort()).toEqual(made);
  });

  it("starts with the current Unix time in milliseconds", () => {
    vi.useFakeTimers({ now: Date.UTC(2030, 0, 2, 3, 4, 5, 678), toFake: ["Date"] });
    try {
      const u = uuidv7();
      expect(Number.parseInt(u.slice(0, 8) + u.slice(9, 13), 16)).toBe(Date.UTC(2030, 0, 2, 3, 4, 5, 678));
    } finally {
      vi.useRealTimers();
    }
  });
});
