import { readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { ASSETS_DIR } from "./assets.js";

/**
 * Third-party files the dashboard ships, copied from node_modules into ui-assets/vendor/ and
 * committed, so users need no build step and no CDN. After upgrading one of these packages run
 * `npx tsx packages/tasker/src/ui/sync-vendor-assets.ts` (a test fails until the copies match).
 */
export const VENDOR_ASSETS = [
  { module: "htmx.org/dist/htmx.min.js", file: "vendor/htmx.min.js" },
  { module: "htmx.org/LICENSE", file: "vendor/htmx.LICENSE.txt" },
] as const;

const require = createRequire(import.meta.url);

export interface VendorAssetStatus {
  file: string;
  source: string;
  upToDate: boolean;
}

/** Compares each shipped copy with the installed package's file. */
export function checkVendorAssets(dir = ASSETS_DIR): VendorAssetStatus[] {
  return VENDOR_ASSETS.map(({ module, file }) => {
    const source = require.resolve(module);
    let shipped: Buffer | undefined;
    try {
      shipped = readFileSync(join(dir, file));
    } catch {
      shipped = undefined;
    }
    return { file, source, upToDate: shipped?.equals(readFileSync(source)) ?? false };
  });
}

/** Copies the installed files over the shipped ones; returns the files that changed. */
export function syncVendorAssets(dir = ASSETS_DIR): string[] {
  const changed: string[] = [];
  for (const status of checkVendorAssets(dir)) {
    if (status.upToDate) continue;
    writeFileSync(join(dir, status.file), readFileSync(status.source));
    changed.push(status.file);
  }
  return changed;
}
