import { describe, expect, it } from "vitest";
import { TaskerError } from "../model/errors.js";
import { assertWithinContextLimits, jsonTextNestingDepth } from "./json-limits.js";

describe("jsonTextNestingDepth", () => {
  it("counts the deepest object/array nesting", () => {
    expect(jsonTextNestingDepth("1")).toBe(0);
    expect(jsonTextNestingDepth("{}")).toBe(1);
    expect(jsonTextNestingDepth('{"a":[{"b":[]}],"c":{}}')).toBe(4);
  });

  it("ignores brackets inside strings, including escaped quotes", () => {
    expect(jsonTextNestingDepth('{"a":"[[[{{{"}')).toBe(1);
    expect(jsonTextNestingDepth('{"a":"x\\"[[[","b":[1]}')).toBe(2);
    expect(jsonTextNestingDepth('["\\\\",[[]]]')).toBe(3);
  });

  it("stops early once past the limit, even for absurd input", () => {
    const absurd = "[".repeat(5_000_000);
    // A full scan would report 5,000,000.
    expect(jsonTextNestingDepth(absurd, 14)).toBe(15);
  });
});

describe("assertWithinContextLimits", () => {
  it("passes values within the limits", () => {
    expect(() =>
      assertWithinContextLimits({ ok: [1, 2, { three: "3" }] }, "completion_data.result"),
    ).not.toThrow();
  });

  it("names the field it checks instead of context", () => {
    let deep: unknown = 1;
    for (let i = 0; i < 12; i++) deep = { n: deep };
    try {
      assertWithinContextLimits(deep, "completion_data.result");
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(TaskerError);
      const e = err as TaskerError;
      expect(e.code).toBe("BAD_REQUEST");
      expect(e.message).toMatch(/^completion_data\.result/);
      expect((e.details as { path: string }).path).toMatch(/^completion_data\.result\.n/);
    }
  });

  it("is a 413 when the value is over 1 MiB", () => {
    const big = Object.fromEntries(Array.from({ length: 120 }, (_, i) => [`k${i}`, "x".repeat(9_500)]));
    expect(() => assertWithinContextLimits(big, "completion_data.result")).toThrow(
      expect.objectContaining({ code: "PAYLOAD_TOO_LARGE", status: 413 }),
    );
  });
});
