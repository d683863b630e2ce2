import { afterAll, inject } from "vitest";
import { type ScenarioResult, writeScenarioResult } from "./summary.js";

/** What one repetition measured. */
export interface RunCounts {
  tasks: number;
  lost: number;
  duplicated: number;
}

export interface ScenarioReport {
  /**
   * Runs one repetition. `record` adds the repetition's counts as soon as they are known, so a
   * failing assertion afterwards still leaves them in the table; the run counts as passed only
   * when `fn` resolves.
   */
  run(fn: (record: (counts: Partial<RunCounts>) => void) => Promise<void>): Promise<void>;
  /** Replaces the note shown in the table (e.g. why the scenario was skipped). */
  note(text: string): void;
}

/** The line of the summary table a scenario file fills in; written after the file's tests. */
export function scenarioReport(scenario: string, order: number, note = ""): ScenarioReport {
  const result: ScenarioResult = {
    scenario,
    order,
    note,
    runs: 0,
    passed: 0,
    tasks: 0,
    lost: 0,
    duplicated: 0,
  };
  afterAll(() => writeScenarioResult(inject("reliabilityResultsDir"), result));
  return {
    async run(fn) {
      result.runs++;
      await fn((counts) => {
        result.tasks += counts.tasks ?? 0;
        result.lost += counts.lost ?? 0;
        result.duplicated += counts.duplicated ?? 0;
      });
      result.passed++;
    },
    note(text) {
      result.note = text;
    },
  };
}

/**
 * How many tasks a scenario uses: the full count, or a small one with RELIABILITY_QUICK=1 for a
 * fast look while developing (the summary table shows the counts actually used).
 */
export function volume(full: number, quick: number): number {
  return process.env.RELIABILITY_QUICK === "1" ? quick : full;
}

/** The table line of a scenario that did not run this time (written at once: no test runs). */
export function recordSkippedScenario(scenario: string, order: number, note: string): void {
  writeScenarioResult(inject("reliabilityResultsDir"), {
    scenario,
    order,
    note,
    runs: 0,
    passed: 0,
    tasks: 0,
    lost: 0,
    duplicated: 0,
  });
}
