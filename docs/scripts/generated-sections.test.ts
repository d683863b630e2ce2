import { describe, expect, it } from "vitest";
import { readGeneratedSection, replaceGeneratedSection } from "./generated-sections.js";

const page = "# Title\n\n<!-- generated:demo -->\nold\n<!-- /generated:demo -->\n\nafter\n";

describe("generated sections", () => {
  it("replaces only the content between the markers", () => {
    const updated = replaceGeneratedSection(page, "demo", "new");
    expect(updated).toBe("# Title\n\n<!-- generated:demo -->\nnew\n<!-- /generated:demo -->\n\nafter\n");
    expect(readGeneratedSection(updated, "demo")).toBe("new\n");
  });

  it("is stable: replacing twice with the same content changes nothing", () => {
    const once = replaceGeneratedSection(page, "demo", "x\n");
    expect(replaceGeneratedSection(once, "demo", "x\n")).toBe(once);
  });

  it("says which markers to add when a section is missing", () => {
    expect(() => replaceGeneratedSection(page, "other", "x")).toThrow("<!-- generated:other -->");
    expect(readGeneratedSection(page, "other")).toBeUndefined();
  });
});
