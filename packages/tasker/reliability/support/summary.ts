import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";

/** One line of the summary table: how a scenario fared over its repetitions. */
export const ScenarioResultSchema = z.object({
  scenario: z.string(),
  /** Repetitions attempted and repetitions that met every assertion. */
  runs: z.number().int(),
  passed: z.number().int(),
  /** Tasks the scenario created (accepted by the engine). */
  tasks: z.number().int(),
  /** Accepted tasks that did not end `complete` (missing, stuck or failed). */
  lost: z.number().int(),
  /** Steps whose result was applied twice, or whose side effect happened twice. */
  duplicated: z.number().int(),
  note: z.string().default(""),
  /** Position in the table (scenario files run in file order; the table keeps the issue's). */
  order: z.number().default(0),
});
export type ScenarioResult = z.output<typeof ScenarioResultSchema>;

export function writeScenarioResult(dir: string, result: ScenarioResult): void {
  mkdirSync(dir, { recursive: true });
  const file = `${result.scenario.replace(/[^a-z0-9]+/gi, "-").toLowerCase()}.json`;
  writeFileSync(join(dir, file), JSON.stringify(result));
}

export function readScenarioResults(dir: string): ScenarioResult[] {
  let files: string[];
  try {
    files = readdirSync(dir).filter((f) => f.endsWith(".json"));
  } catch {
    return [];
  }
  return files
    .map((f) => ScenarioResultSchema.parse(JSON.parse(readFileSync(join(dir, f), "utf8"))))
    .sort((a, b) => a.order - b.order || a.scenario.localeCompare(b.scenario));
}

/** A Markdown table, readable in a terminal and pasteable into docs/reliability.md. */
export function formatSummaryTable(results: readonly ScenarioResult[]): string {
  const header = ["scenario", "runs", "passed", "tasks", "lost", "duplicated", "note"];
  const rows = results.map((r) => [
    r.scenario,
    String(r.runs),
    String(r.passed),
    r.tasks.toLocaleString("en-US"),
    String(r.lost),
    String(r.duplicated),
    r.note,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(" | ")} |`;
  const totals = results.reduce(
    (t, r) => ({
      runs: t.runs + r.runs,
      passed: t.passed + r.passed,
      lost: t.lost + r.lost,
      duplicated: t.duplicated + r.duplicated,
    }),
    { runs: 0, passed: 0, lost: 0, duplicated: 0 },
  );
  return [
    line(header),
    line(widths.map((w) => "-".repeat(w))),
    ...rows.map(line),
    "",
    `${totals.passed}/${totals.runs} runs passed, ${totals.lost} tasks lost, ${totals.duplicated} duplicated`,
  ].join("\n");
}
