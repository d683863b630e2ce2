import { describe, expect, it } from "vitest";
import { findUnstorableText, isStorableText, toStorableJson, toStorableText } from "./storable-text.js";

describe("isStorableText", () => {
  it("accepts any well-formed Unicode, including astral characters and controls other than NUL", () => {
    for (const s of ["", "plain", "😀 emoji", "\u0001\u0007\n\t", "\ufffd", "'; DROP TABLE x; --"]) {
      expect(isStorableText(s), JSON.stringify(s)).toBe(true);
    }
  });

  it("refuses NUL and unpaired surrogates", () => {
    for (const s of ["\u0000", "a\u0000b", "\ud800", "x\udfffy", "😀".slice(0, 1), "end\ud83d"]) {
      expect(isStorableText(s), JSON.stringify(s)).toBe(false);
    }
  });
});

describe("findUnstorableText", () => {
  it("names the path of the first bad value or key", () => {
    expect(findUnstorableText({ a: [1, { b: "ok" }, "x\u0000"] })).toEqual({
      path: ["a", 2],
      problem: expect.stringContaining("NUL"),
    });
    expect(findUnstorableText({ a: { "k\ud800": 1 } })).toEqual({
      path: ["a", "k\ud800"],
      problem: expect.stringContaining("key contains an unpaired UTF-16 surrogate"),
    });
    expect(findUnstorableText({ fine: ["😀", null, 1, true] })).toBeNull();
    expect(findUnstorableText("\u0000")).toEqual({ path: [], problem: expect.any(String) });
  });

  it("walks hostile nesting without recursion", () => {
    let deep: unknown = "\u0000";
    for (let i = 0; i < 100_000; i++) deep = [deep];
    expect(findUnstorableText(deep)?.path).toHaveLength(100_000);
  });
});

describe("toStorableText", () => {
  it("replaces what cannot be stored with U+FFFD and keeps the rest", () => {
    expect(toStorableText("a\u0000b\ud800c😀")).toBe("a\ufffdb\ufffdc😀");
    expect(toStorableText("fine")).toBe("fine");
  });
});

describe("toStorableJson", () => {
  it("cleans strings and keys at any depth it keeps", () => {
    expect(toStorableJson({ "k\u0000": ["v\ud800", 1, null, { ok: true }] })).toEqual({
      "k\ufffd": ["v\ufffd", 1, null, { ok: true }],
    });
    expect(toStorableJson([[["x"]]], 2)).toEqual([["[nested too deeply]"]]);
  });
});
