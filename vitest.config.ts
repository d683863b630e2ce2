import { availableParallelism } from "node:os";
import { defineConfig } from "vitest/config";
import { fromSource } from "./vitest.workspace-source.js";

// Every suite in one place: unit tests beside the code (src/**/*.test.ts), integration tests
// under each workspace's test/. Integration suites run on PGlite and PostgreSQL.
const workspaces = [
  { name: "tasker", root: "packages/tasker" },
  { name: "hono-app", root: "examples/hono-app" },
];

export default defineConfig({
  test: {
    // Vitest's default is one file at a time per core less one: a single file on a 2-core machine,
    // where most files spend their time waiting on a database, a child process or a timer. Two
    // there let one file's waits overlap another's work.
    maxWorkers: Math.max(2, availableParallelism() - 1),
    projects: [
      ...workspaces.flatMap(({ name, root }) => [
        {
          ...fromSource,
          test: { name: `${name}:unit`, root, include: ["src/**/*.test.ts"], testTimeout: 15_000 },
        },
        {
          ...fromSource,
          test: {
            name: `${name}:integration`,
            root,
            include: ["test/**/*.test.ts"],
            testTimeout: 60_000,
            hookTimeout: 120_000,
          },
        },
      ]),
      // Real processes against the local PostgreSQL (crashes, restarts, floods, bad input):
      // `npm run test:reliability`. Files run one after another; each spawns its own processes.
      {
        ...fromSource,
        test: {
          name: "tasker:reliability",
          root: "packages/tasker",
          include: ["reliability/**/*.reliability.ts"],
          globalSetup: ["reliability/support/global-setup.ts"],
          fileParallelism: false,
          testTimeout: 240_000,
          hookTimeout: 120_000,
        },
      },
      // The worker protocol's conformance runner (its scenarios run through scripts/run-tests.mjs).
      { ...fromSource, test: { name: "conformance", root: "conformance", include: ["**/*.test.ts"] } },
      // The docs: generated pages are current, examples are valid, and the quickstart's commands
      // run in a temporary copy of the repository.
      {
        ...fromSource,
        test: {
          name: "docs",
          root: "docs",
          include: ["**/*.test.ts"],
          exclude: ["reference/**", "**/node_modules/**"],
          testTimeout: 120_000,
          hookTimeout: 300_000,
        },
      },
    ],
  },
});
