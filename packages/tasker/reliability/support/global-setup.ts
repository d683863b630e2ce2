import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { TestProject } from "vitest/node";
import { formatSummaryTable, readScenarioResults } from "./summary.js";

declare module "vitest" {
  export interface ProvidedContext {
    /** Where each scenario file leaves its line of the summary table. */
    reliabilityResultsDir: string;
  }
}

/** The repository's .test-results/, where the other suites leave their results too. */
const RESULTS_DIR = fileURLToPath(new URL("../../../../.test-results/", import.meta.url));
const SUMMARY_FILE = join(RESULTS_DIR, "reliability-summary.md");

function commit(): string {
  try {
    return execFileSync("git", ["rev-parse", "--short", "HEAD"], { encoding: "utf8" }).trim();
  } catch {
    return "unknown";
  }
}

/**
 * Gives the scenario files a results directory; once all have run, prints the summary table and
 * writes it to .test-results/reliability-summary.md (with the date, commit and wall time) so
 * docs/reliability.md can be refreshed from it.
 */
export default function setup(project: TestProject): () => void {
  const dir = mkdtempSync(join(tmpdir(), "tasker-reliability-"));
  const started = Date.now();
  project.provide("reliabilityResultsDir", dir);
  return () => {
    const results = readScenarioResults(dir);
    if (results.length > 0) {
      const table = formatSummaryTable(results);
      const minutes = ((Date.now() - started) / 60_000).toFixed(1);
      const quick = process.env.RELIABILITY_QUICK === "1" ? ", RELIABILITY_QUICK=1" : "";
      const restart = process.env.RELIABILITY_PG_RESTART === "1" ? ", RELIABILITY_PG_RESTART=1" : "";
      const about = `${new Date().toISOString().slice(0, 16).replace("T", " ")} UTC, commit ${commit()}, ${minutes} min${restart}${quick}`;
      process.stdout.write(`\nReliability summary (${about})\n\n${table}\n\nWritten to ${SUMMARY_FILE}\n\n`);
      mkdirSync(RESULTS_DIR, { recursive: true });
      writeFileSync(SUMMARY_FILE, `Reliability summary (${about})\n\n${table}\n`);
    }
    rmSync(dir, { recursive: true, force: true });
  };
}
