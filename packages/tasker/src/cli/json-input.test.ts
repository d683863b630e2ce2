import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { jsonFromInlineOrFile, parseJsonObject } from "./json-input.js";

describe("parseJsonObject", () => {
  it("accepts an object and names the option when the text is not one", () => {
    expect(parseJsonObject('{"a":1}', "--context")).toEqual({ a: 1 });
    expect(() => parseJsonObject("{a:1}", "--context")).toThrow(/--context is not valid JSON/);
    expect(() => parseJsonObject("[1]", "--context")).toThrow(/--context must be a JSON object.*an array/);
  });
});

describe("jsonFromInlineOrFile", () => {
  const names = { inline: "--result", file: "--result-file" };

  it("reads either source, and refuses both", () => {
    const dir = mkdtempSync(join(tmpdir(), "tasker-ctl-json-"));
    const file = join(dir, "r.json");
    writeFileSync(file, '{"ok":true}');
    expect(jsonFromInlineOrFile("[1,2]", undefined, names)).toEqual([1, 2]);
    expect(jsonFromInlineOrFile(undefined, file, names)).toEqual({ ok: true });
    expect(jsonFromInlineOrFile(undefined, undefined, names)).toBeUndefined();
    expect(() => jsonFromInlineOrFile("1", file, names)).toThrow(/--result or --result-file, not both/);
  });

  it("names the file it could not read or parse", () => {
    const dir = mkdtempSync(join(tmpdir(), "tasker-ctl-json-"));
    const bad = join(dir, "bad.json");
    writeFileSync(bad, "{nope");
    expect(() => jsonFromInlineOrFile(undefined, join(dir, "missing.json"), names)).toThrow(/ENOENT/);
    expect(() => jsonFromInlineOrFile(undefined, bad, names)).toThrow(
      /--result-file .*bad\.json is not valid JSON/,
    );
  });
});
