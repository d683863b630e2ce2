// Copies the dashboard's third-party files from node_modules into ui-assets/vendor/:
//   npx tsx packages/tasker/src/ui/sync-vendor-assets.ts
import { syncVendorAssets } from "./vendor-assets.js";

const changed = syncVendorAssets();
process.stdout.write(
  changed.length === 0 ? "vendor assets are up to date\n" : `updated: ${changed.join(", ")}\n`,
);
