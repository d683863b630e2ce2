import { describe, expect, it } from "vitest";
import { parseCsv } from "./csv.js";

describe("parseCsv", () => {
  it("reads a header and rows, LF or CRLF, with or without a final newline", () => {
    expect(parseCsv("a,b\n1,2\n3,4\n")).toEqual([
      { a: "1", b: "2" },
      { a: "3", b: "4" },
    ]);
    expect(parseCsv("a,b\r\n1,2\r\n3,4")).toEqual([
      { a: "1", b: "2" },
      { a: "3", b: "4" },
    ]);
  });

  it("handles quoted fields with commas, quotes and newlines", () => {
    expect(parseCsv('name,note\n"Smith, J","said ""hi""\nthen left"\n')).toEqual([
      { name: "Smith, J", note: 'said "hi"\nthen left' },
    ]);
  });

  it("fills missing trailing fields with empty strings and skips blank lines", () => {
    expect(parseCsv("a,b,c\n1\n\n2,3,4\n")).toEqual([
      { a: "1", b: "", c: "" },
      { a: "2", b: "3", c: "4" },
    ]);
  });

  it("rejects an empty file and an unterminated quote", () => {
    expect(() => parseCsv("")).toThrow(/no header/);
    expect(() => parseCsv('a\n"open')).toThrow(/closing/);
  });
});
