import { defineConfig } from "vitest/config";

// Running vitest from inside this workspace; the root config defines the same suites for `npm test`.
export default defineConfig({
  test: {
    include: ["src/**/*.test.ts", "test/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
