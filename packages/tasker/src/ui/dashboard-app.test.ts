import { describe, expect, it } from "vitest";
import { normaliseBasePath } from "./dashboard-app.js";

describe("normaliseBasePath", () => {
  it("accepts paths with or without slashes", () => {
    expect(normaliseBasePath("/ui")).toBe("/ui");
    expect(normaliseBasePath("ui/")).toBe("/ui");
    expect(normaliseBasePath("/ops/dashboard/")).toBe("/ops/dashboard");
  });

  it("refuses the root and odd characters, saying what is allowed", () => {
    expect(() => normaliseBasePath("/")).toThrow(/must be a URL path below the root like "\/ui"/);
    expect(() => normaliseBasePath("/u i")).toThrow(/letters, digits/);
    expect(() => normaliseBasePath('/"x')).toThrow(/basePath/);
  });
});
