import { describe, expect, it } from "vitest";
import { parseAutoExplainLog, planShape } from "./explain.js";

const entry = (db: string, ms: string, sql: string) =>
  [
    `2026-11-23 20:01:12.530 UTC [42] postgres@${db} LOG:  duration: ${ms} ms  plan:`,
    "\t{",
    `\t  "Query Text": ${JSON.stringify(sql)},`,
    '\t  "Plan": {"Node Type": "Update", "Relation Name": "queue_messages", "Plans": [{"Node Type": "Index Scan", "Relation Name": "queue_messages", "Index Name": "queue_messages_ready_idx"}]}',
    "\t}",
  ].join("\n");

describe("parseAutoExplainLog", () => {
  it("reads this database's plans and durations and skips other databases and broken entries", () => {
    const log = [
      entry("bench_db", "0.250", "UPDATE tasker.queue_messages m\n   SET x = 1"),
      "2026-11-23 20:01:12.600 UTC [7] LOG:  checkpoint starting: time",
      entry("other_db", "9.000", "SELECT 1"),
      "2026-11-23 20:01:12.700 UTC [42] postgres@bench_db LOG:  duration: 1.5 ms  plan:",
      "\t{ not json",
      entry("bench_db", "0.750", "SELECT 2"),
    ].join("\n");
    const plans = parseAutoExplainLog(log, "bench_db");
    expect(plans.map((p) => [p.key, p.durationMs])).toEqual([
      ["UPDATE tasker.queue_messages m SET x = 1", 0.25],
      ["SELECT 2", 0.75],
    ]);
    expect(planShape(plans[0]!.plan)).toEqual([
      "Update on queue_messages",
      "Index Scan on queue_messages using queue_messages_ready_idx",
    ]);
  });
});
