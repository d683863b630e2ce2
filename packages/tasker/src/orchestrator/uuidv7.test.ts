import { describe, expect, it } from "vitest";
import { IDS_PER_FILL, uuidv7 } from "./uuidv7.js";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** The 48-bit millisecond timestamp at the front of a v7 UUID. */
const timestampOf = (uuid: string) => Number.parseInt(uuid.replace(/-/g, "").slice(0, 12), 16);

describe("uuidv7", () => {
  it("is a lowercase 8-4-4-4-12 UUID that zod and Postgres accept", () => {
    for (let i = 0; i < 100; i++) expect(uuidv7()).toMatch(UUID);
  });

  it("sets version 7 and the RFC 9562 variant (10xx)", () => {
    for (let i = 0; i < 500; i++) {
      const hex = uuidv7().replace(/-/g, "");
      expect(hex[12]).toBe("7");
      expect(["8", "9", "a", "b"]).toContain(hex[16]);
    }
  });

  it("encodes the given time in the first 48 bits, big-endian", () => {
    expect(uuidv7(0).startsWith("00000000-0000-7")).toBe(true);
    expect(uuidv7(0x0123_4567_89ab).startsWith("01234567-89ab-7")).toBe(true);
    const now = Date.UTC(2025, 5, 1, 12, 0, 0, 123);
    expect(timestampOf(uuidv7(now))).toBe(now);
    // The largest 48-bit time still fits.
    expect(uuidv7(2 ** 48 - 1).startsWith("ffffffff-ffff-7")).toBe(true);
  });

  it("orders by creation time across milliseconds (string order = time order)", () => {
    const start = Date.UTC(2025, 0, 1);
    const ids = Array.from({ length: 1_000 }, (_, i) => uuidv7(start + i * 7));
    expect([...ids].sort()).toEqual(ids);
    expect(uuidv7(start + 1) > uuidv7(start)).toBe(true);
  });

  it("defaults to the current time", () => {
    const before = Date.now();
    const ts = timestampOf(uuidv7());
    expect(ts).toBeGreaterThanOrEqual(before);
    expect(ts).toBeLessThanOrEqual(Date.now());
  });

  it("is unique within one millisecond (74 random bits)", () => {
    const ids = new Set(Array.from({ length: 10_000 }, () => uuidv7(1_700_000_000_000)));
    expect(ids.size).toBe(10_000);
  });
});

describe("uuidv7's pool of random bytes", () => {
  it("stays unique, versioned and time-ordered across several refills", () => {
    const t = 1_700_000_000_000;
    const ids = Array.from({ length: 5 * IDS_PER_FILL + 7 }, (_, i) => uuidv7(t + Math.floor(i / 100)));
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) {
      expect(id).toMatch(UUID);
      expect(id[14]).toBe("7");
      expect(["8", "9", "a", "b"]).toContain(id[19]);
    }
    expect(ids.map(timestampOf)).toEqual(ids.map((_, i) => t + Math.floor(i / 100)));
  });

  it("uses fresh random bits for every id (no two ids share their random tail)", () => {
    const tails = Array.from({ length: 3 * IDS_PER_FILL }, () => uuidv7(0).slice(24));
    expect(new Set(tails).size).toBe(tails.length);
  });

  it("draws every random bit: each hex digit of the random part takes all 16 values", () => {
    const digits = Array.from({ length: 32 }, () => new Set<string>());
    for (let i = 0; i < 2 * IDS_PER_FILL; i++) {
      const hex = uuidv7(0).replace(/-/g, "");
      for (let d = 0; d < 32; d++) digits[d]!.add(hex[d]!);
    }
    // Digits 0-11: the time (0 here); 12: the version; 16: the variant (8-b); the rest random.
    for (let d = 0; d < 32; d++) {
      const expected = d < 12 ? 1 : d === 12 ? 1 : d === 16 ? 4 : 16;
      expect(digits[d]!.size, `hex digit ${d}`).toBe(expected);
    }
  });
});
