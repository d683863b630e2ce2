// Vitest runs this workspace's packages from their TypeScript source, as npm scripts do (.npmrc):
// Vite's resolver takes the "@tasker-ts/source" export condition (packages/tasker/package.json),
// and so do the processes tests start (NODE_OPTIONS), however vitest itself was started.
import { defaultServerConditions } from "vite";

export const SOURCE_CONDITION = "@tasker-ts/source";

const nodeOption = `--conditions=${SOURCE_CONDITION}`;
if (!process.env.NODE_OPTIONS?.includes(nodeOption)) {
  process.env.NODE_OPTIONS = [process.env.NODE_OPTIONS, nodeOption].filter(Boolean).join(" ");
}

/** Spread into every vitest config and project of the workspace. */
export const fromSource = {
  ssr: { resolve: { conditions: [SOURCE_CONDITION, ...defaultServerConditions] } },
};
