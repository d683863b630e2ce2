import { describe, expect, it } from "vitest";
import { checkContextLimits } from "./context-limits.js";
import { CONTEXT_LIMITS } from "./task-request.js";

const bytes = (v: unknown) => Buffer.byteLength(JSON.stringify(v), "utf8");

/** A context whose JSON is exactly `n` bytes, made of strings within the string limit. */
function contextOfBytes(n: number): { parts: string[] } {
  const ctx = { parts: [] as string[] };
  // Track the size as strings are added (quotes + a comma after the first) instead of re-serialising.
  let size = bytes(ctx);
  const added = (length: number) => length + 2 + (ctx.parts.length > 0 ? 1 : 0);
  while (size + added(10_000) + added(0) <= n) {
    size += added(10_000);
    ctx.parts.push("x".repeat(10_000));
  }
  const gap = n - size - added(0);
  expect(gap).toBeGreaterThanOrEqual(0);
  expect(gap).toBeLessThanOrEqual(10_000);
  ctx.parts.push("x".repeat(gap));
  expect(bytes(ctx)).toBe(n);
  return ctx;
}

/** `levels` nested containers, the outermost being the context itself. */
function nested(levels: number, kind: "object" | "array" = "object"): unknown {
  let v: unknown = kind === "object" ? { leaf: 1 } : [1];
  for (let i = 1; i < levels; i++) v = kind === "object" ? { n: v } : [v];
  return v;
}

/** An object with `count` keys spread over a few nested objects. */
function withKeys(count: number): Record<string, unknown> {
  const groups: Record<string, Record<string, number>> = {};
  // Each group key counts too: 10 groups of (count - 10) / 10 keys.
  const perGroup = (count - 10) / 10;
  for (let g = 0; g < 10; g++) {
    groups[`g${g}`] = Object.fromEntries(Array.from({ length: perGroup }, (_, i) => [`k${i}`, i]));
  }
  return groups;
}

describe("checkContextLimits", () => {
  it("accepts ordinary contexts", () => {
    expect(checkContextLimits({})).toBeNull();
    expect(checkContextLimits({ order: { id: 1, items: [{ sku: "a", qty: 2 }] }, note: null })).toBeNull();
  });

  describe("size (1 MiB, counted in UTF-8 bytes)", () => {
    it("accepts exactly 1 MiB", () => {
      expect(checkContextLimits(contextOfBytes(CONTEXT_LIMITS.maxBytes))).toBeNull();
    });

    it("refuses one byte over with PAYLOAD_TOO_LARGE, saying how big it is", () => {
      const v = checkContextLimits(contextOfBytes(CONTEXT_LIMITS.maxBytes + 1));
      expect(v).toMatchObject({ code: "PAYLOAD_TOO_LARGE", path: "context" });
      expect(v!.message).toContain(`${CONTEXT_LIMITS.maxBytes + 1} bytes`);
      expect(v!.message).toContain("1 MiB");
    });

    it("counts multi-byte characters by their bytes", () => {
      // 53 strings of 10,000 two-byte characters: 530,000 characters, over 1 MiB of UTF-8.
      const ctx = { parts: Array.from({ length: 53 }, () => "é".repeat(10_000)) };
      expect(checkContextLimits(ctx)?.code).toBe("PAYLOAD_TOO_LARGE");
    });

    it("reports size before any other violation", () => {
      const ctx = { ...withKeys(1_010), parts: contextOfBytes(CONTEXT_LIMITS.maxBytes + 10).parts };
      expect(checkContextLimits(ctx)?.code).toBe("PAYLOAD_TOO_LARGE");
    });
  });

  describe("depth (10 levels, the context being the first)", () => {
    it.each(["object", "array"] as const)("accepts exactly 10 levels of %ss", (kind) => {
      expect(checkContextLimits(nested(10, kind))).toBeNull();
    });

    it.each(["object", "array"] as const)("refuses 11 levels of %ss, naming the path", (kind) => {
      const v = checkContextLimits(nested(11, kind));
      expect(v?.code).toBe("BAD_REQUEST");
      expect(v!.path).toBe(kind === "object" ? `context${".n".repeat(10)}` : `context${".0".repeat(10)}`);
      expect(v!.message).toContain(v!.path);
      expect(v!.message).toContain("deeper than 10 levels");
    });

    it("accepts scalars at the deepest level (only containers add a level)", () => {
      expect(checkContextLimits({ a: nested(9) })).toBeNull();
      expect(checkContextLimits({ a: nested(10) })?.code).toBe("BAD_REQUEST");
    });

    it.each(["object", "array"] as const)("survives 100,000 levels of %ss without a RangeError", (kind) => {
      const deep = nested(100_000, kind);
      let result: ReturnType<typeof checkContextLimits> | undefined;
      expect(() => {
        result = checkContextLimits(deep);
      }).not.toThrow();
      expect(result?.code).toBe("BAD_REQUEST");
      expect(result?.message).toContain("deeper than 10 levels");
    });

    it("survives 100,000 levels parsed from JSON text", () => {
      const deep = JSON.parse(`{"a":${"[".repeat(100_000)}${"]".repeat(100_000)}}`);
      expect(checkContextLimits(deep)?.code).toBe("BAD_REQUEST");
    });

    it("reports a circular value as too deep instead of throwing", () => {
      const loop: Record<string, unknown> = { a: 1 };
      loop.self = loop;
      expect(checkContextLimits(loop)).toMatchObject({ code: "BAD_REQUEST" });
    });
  });

  describe("keys (1,000 in total, at every level; array items are not keys)", () => {
    it("accepts exactly 1,000 keys", () => {
      expect(checkContextLimits(withKeys(1_000))).toBeNull();
      expect(checkContextLimits({ list: Array.from({ length: 5_000 }, (_, i) => i) })).toBeNull();
    });

    it("refuses 1,001 keys", () => {
      const ctx = { ...withKeys(1_000), one_more: true };
      const v = checkContextLimits(ctx);
      expect(v?.code).toBe("BAD_REQUEST");
      expect(v!.message).toContain("more than 1000 keys");
    });

    it("counts keys of objects inside arrays", () => {
      const ctx = { list: Array.from({ length: 1_000 }, (_, i) => ({ [`k${i}`]: i })) };
      expect(checkContextLimits(ctx)?.code).toBe("BAD_REQUEST");
    });
  });

  describe("strings (10,000 characters)", () => {
    it("accepts exactly 10,000 characters", () => {
      expect(checkContextLimits({ s: "x".repeat(10_000) })).toBeNull();
    });

    it("refuses 10,001 characters, naming the path and the length", () => {
      const v = checkContextLimits({ list: ["ok", { note: "x".repeat(10_001) }] });
      expect(v).toMatchObject({ code: "BAD_REQUEST", path: "context.list.1.note" });
      expect(v!.message).toContain("10001 characters");
      expect(v!.message).toContain("10000");
    });

    it("checks a context that is itself a string", () => {
      expect(checkContextLimits("x".repeat(10_001))?.path).toBe("context");
    });
  });

  it("refuses a value JSON cannot represent with a clear message", () => {
    const v = checkContextLimits({ n: 1n });
    expect(v?.code).toBe("BAD_REQUEST");
    expect(v!.message).toContain("not JSON");
  });
});

describe("checkContextLimits and text PostgreSQL cannot store", () => {
  it("names the value or key holding a NUL or an unpaired surrogate", () => {
    expect(checkContextLimits({ a: { b: ["ok", "x\u0000"] } })).toMatchObject({
      code: "BAD_REQUEST",
      path: "context.a.b.1",
      message: expect.stringContaining("NUL character"),
    });
    expect(checkContextLimits({ a: { "k\udc00": 1 } })).toMatchObject({
      code: "BAD_REQUEST",
      path: "context.a",
      message: expect.stringContaining("unpaired UTF-16 surrogate"),
    });
    expect(checkContextLimits({ emoji: "😀", sql: "' OR 1=1 --" })).toBeNull();
  });
});
