import { defineConfig } from "vitest/config";

// Every suite in one place: unit tests beside the code (src/**/*.test.ts), integration tests
// under each workspace's test/. Integration suites run on PGlite and PostgreSQL.
const workspaces = [
  { name: "tasker", root: "packages/tasker" },
  { name: "hono-app", root: "examples/hono-app" },
];

export default defineConfig({
  test: {
    projects: workspaces.flatMap(({ name, root }) => [
      { test: { name: `${name}:unit`, root, include: ["src/**/*.test.ts"], testTimeout: 15_000 } },
      {
        test: {
          name: `${name}:integration`,
          root,
          include: ["test/**/*.test.ts"],
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
    ]),
  },
});
