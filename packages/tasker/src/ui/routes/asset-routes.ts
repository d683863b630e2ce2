import type { Asset } from "../assets.js";
import type { DashboardApp } from "./dashboard-env.js";

/** The shipped CSS and scripts, from memory; versioned URLs are cached for good. */
export function registerAssetRoutes(app: DashboardApp, assets: ReadonlyMap<string, Asset>): void {
  app.get("/assets/:name{.+}", (c) => {
    const name = c.req.param("name");
    const asset = assets.get(name);
    if (!asset) {
      return c.text(
        `no dashboard asset ${name}; the shipped ones are: ${[...assets.keys()].join(", ")}`,
        404,
      );
    }
    const etag = `"${asset.hash}"`;
    c.header("ETag", etag);
    c.header("X-Content-Type-Options", "nosniff");
    c.header(
      "Cache-Control",
      c.req.query("v") === asset.hash
        ? "public, max-age=31536000, immutable"
        : "public, max-age=0, must-revalidate",
    );
    if (c.req.header("If-None-Match") === etag) return c.body(null, 304);
    c.header("Content-Type", asset.contentType);
    return c.body(asset.body as Uint8Array<ArrayBuffer>);
  });
}
