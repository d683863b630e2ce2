import { defineConfig } from "vitest/config";

// One root config; each workspace declares its own unit + integration projects.
export default defineConfig({
  test: {
    projects: ["packages/*/vitest.config.ts", "examples/*/vitest.config.ts"],
  },
});
