import { defineConfig } from "vitest/config";

// Unit tests live beside the code (src/**/*.test.ts); integration tests under test/.
export default defineConfig({
  test: {
    projects: [
      { extends: true, test: { name: "tasker:unit", include: ["src/**/*.test.ts"], testTimeout: 10_000 } },
      {
        extends: true,
        test: {
          name: "tasker:integration",
          include: ["test/**/*.test.ts"],
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
    ],
  },
});
