import { defineConfig } from "vitest/config";
import { fromSource } from "../vitest.workspace-source.js";

// The benchmark's own unit tests (statistics, report, chart, option parsing). Run them with
// `npx vitest run --config bench/vitest.config.ts`; `bench/ci.ts` runs them in CI.
export default defineConfig({
  ...fromSource,
  test: { name: "bench:unit", root: "bench", include: ["**/*.test.ts"], testTimeout: 15_000 },
});
