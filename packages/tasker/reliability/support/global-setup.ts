import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestProject } from "vitest/node";
import { formatSummaryTable, readScenarioResults } from "./summary.js";

declare module "vitest" {
  export interface ProvidedContext {
    /** Where each scenario file leaves its line of the summary table. */
    reliabilityResultsDir: string;
  }
}

/** Gives the scenario files a results directory; prints the summary table once all have run. */
export default function setup(project: TestProject): () => void {
  const dir = mkdtempSync(join(tmpdir(), "tasker-reliability-"));
  project.provide("reliabilityResultsDir", dir);
  return () => {
    const results = readScenarioResults(dir);
    if (results.length > 0) {
      process.stdout.write(`\nReliability summary\n\n${formatSummaryTable(results)}\n\n`);
    }
    rmSync(dir, { recursive: true, force: true });
  };
}
