import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { extname, join, relative, sep } from "node:path";
import { fileURLToPath } from "node:url";

/** The shipped assets: `packages/tasker/ui-assets` (the same path from src/ui and dist/ui). */
export const ASSETS_DIR = fileURLToPath(new URL("../../ui-assets/", import.meta.url));

const CONTENT_TYPES: Record<string, string> = {
  ".css": "text/css; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".svg": "image/svg+xml",
};

export interface Asset {
  body: Uint8Array;
  contentType: string;
  /** Content hash: the ETag and the `?v=` of asset URLs, so browsers cache until it changes. */
  hash: string;
}

export class AssetsMissingError extends Error {
  constructor(dir: string) {
    super(
      `the dashboard's assets are missing: ${dir} has no dashboard.css; reinstall @tasker-ts/tasker (its ui-assets/ folder ships them)`,
    );
    this.name = "AssetsMissingError";
  }
}

/**
 * Reads every servable file (css, js, svg) under the assets folder into memory once: they are
 * small, and serving from memory keeps file paths out of request handling altogether.
 */
export function loadAssets(dir = ASSETS_DIR): Map<string, Asset> {
  if (!existsSync(join(dir, "dashboard.css"))) throw new AssetsMissingError(dir);
  const assets = new Map<string, Asset>();
  const walk = (folder: string) => {
    for (const entry of readdirSync(folder)) {
      const path = join(folder, entry);
      if (statSync(path).isDirectory()) {
        walk(path);
        continue;
      }
      const contentType = CONTENT_TYPES[extname(entry)];
      if (!contentType) continue;
      const body = readFileSync(path);
      assets.set(relative(dir, path).split(sep).join("/"), {
        body,
        contentType,
        hash: createHash("sha256").update(body).digest("hex").slice(0, 16),
      });
    }
  };
  walk(dir);
  return assets;
}

/** A function giving the cache-busting URL of an asset by name. */
export function assetUrls(assets: ReadonlyMap<string, Asset>, base: string): (name: string) => string {
  return (name) => {
    const asset = assets.get(name);
    if (!asset)
      throw new Error(
        `no dashboard asset named ${name}; the shipped ones are: ${[...assets.keys()].join(", ")}`,
      );
    return `${base}/assets/${name}?v=${asset.hash}`;
  };
}
