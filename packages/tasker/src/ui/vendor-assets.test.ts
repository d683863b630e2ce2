import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { checkVendorAssets, syncVendorAssets, VENDOR_ASSETS } from "./vendor-assets.js";

describe("vendor assets", () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  it("ships the same files as the installed packages (run sync-vendor-assets.ts after an upgrade)", () => {
    const stale = checkVendorAssets().filter((s) => !s.upToDate);
    expect(stale.map((s) => s.file)).toEqual([]);
  });

  it("copies missing or outdated files and reports them", () => {
    const dir = mkdtempSync(join(tmpdir(), "tasker-ui-vendor-"));
    dirs.push(dir);
    mkdirSync(join(dir, "vendor"));
    writeFileSync(join(dir, "vendor/htmx.min.js"), "old");
    expect(checkVendorAssets(dir).every((s) => !s.upToDate)).toBe(true);
    expect(syncVendorAssets(dir).sort()).toEqual(VENDOR_ASSETS.map((a) => a.file).sort());
    expect(readFileSync(join(dir, "vendor/htmx.min.js"), "utf8")).toContain("htmx");
    expect(syncVendorAssets(dir)).toEqual([]);
  });
});
