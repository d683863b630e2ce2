import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { AssetsMissingError, assetUrls, loadAssets } from "./assets.js";

describe("loadAssets", () => {
  it("loads the shipped css and scripts with content hashes", () => {
    const assets = loadAssets();
    expect([...assets.keys()].sort()).toEqual(
      expect.arrayContaining(["dashboard.css", "dashboard.js", "theme.js", "vendor/htmx.min.js"]),
    );
    expect([...assets.keys()].some((k) => k.endsWith(".txt"))).toBe(false);
    const css = assets.get("dashboard.css")!;
    expect(css.contentType).toBe("text/css; charset=utf-8");
    expect(css.hash).toMatch(/^[0-9a-f]{16}$/);
    expect(assets.get("vendor/htmx.min.js")!.contentType).toBe("text/javascript; charset=utf-8");
  });

  it("gives versioned URLs and names the shipped files for an unknown one", () => {
    const assets = loadAssets();
    const url = assetUrls(assets, "/ui");
    expect(url("dashboard.css")).toBe(`/ui/assets/dashboard.css?v=${assets.get("dashboard.css")!.hash}`);
    expect(() => url("nope.js")).toThrow(
      /no dashboard asset named nope.js; the shipped ones are: .*dashboard.css/,
    );
  });

  it("says how to fix a package without its assets", () => {
    const dir = mkdtempSync(join(tmpdir(), "tasker-ui-empty-"));
    try {
      expect(() => loadAssets(dir)).toThrow(AssetsMissingError);
      expect(() => loadAssets(dir)).toThrow(/reinstall @tasker-ts\/tasker/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
