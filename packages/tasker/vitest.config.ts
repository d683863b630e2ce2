import { defineConfig } from "vitest/config";
import { fromSource } from "../../vitest.workspace-source.js";

// Running vitest from inside this workspace; the root config defines the same suites for `npm test`.
export default defineConfig({
  ...fromSource,
  test: {
    include: ["src/**/*.test.ts", "test/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
