import { describe, expect, it } from "vitest";
import { codeBlocks, parseInfoString } from "./markdown-blocks.js";

describe("parseInfoString", () => {
  it("reads the language and bare, unquoted and quoted attributes", () => {
    expect(parseInfoString(`sh {test wait=60 expect='"status": "complete"' ready="http://x/y z"}`)).toEqual({
      lang: "sh",
      attrs: { test: true, wait: "60", expect: '"status": "complete"', ready: "http://x/y z" },
    });
  });

  it("accepts a language alone, attributes alone, or nothing", () => {
    expect(parseInfoString("ts")).toEqual({ lang: "ts", attrs: {} });
    expect(parseInfoString("{test}")).toEqual({ lang: "", attrs: { test: true } });
    expect(parseInfoString("")).toEqual({ lang: "", attrs: {} });
  });

  it("rejects attributes it cannot read, naming them", () => {
    expect(() => parseInfoString("sh {test =oops}")).toThrow(/=oops/);
  });
});

describe("codeBlocks", () => {
  it("finds fenced blocks with their line, language, attributes and text", () => {
    const page = ["# Title", "", "```sh {test}", "echo hi", "```", "", "~~~json", '{"a": 1}', "~~~", ""].join(
      "\n",
    );
    expect(codeBlocks(page)).toEqual([
      { lang: "sh", attrs: { test: true }, code: "echo hi\n", line: 3 },
      { lang: "json", attrs: {}, code: '{"a": 1}\n', line: 7 },
    ]);
  });

  it("strips the indentation of fences inside list items", () => {
    const page = ["1. Run:", "", "   ```sh", "   npm start", "     --flag", "   ```"].join("\n");
    expect(codeBlocks(page)[0]?.code).toBe("npm start\n  --flag\n");
  });

  it("keeps shorter fences inside a longer one as text", () => {
    const page = ["````md", "```sh", "x", "```", "````"].join("\n");
    expect(codeBlocks(page)).toEqual([{ lang: "md", attrs: {}, code: "```sh\nx\n```\n", line: 1 }]);
  });

  it("returns an empty list for a page without code", () => {
    expect(codeBlocks("just text\n")).toEqual([]);
  });
});
