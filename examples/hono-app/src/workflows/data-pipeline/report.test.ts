import { describe, expect, it } from "vitest";
import { aggregate } from "./aggregation.js";
import { detectAnomalies } from "./anomalies.js";
import { profileColumns } from "./column-stats.js";
import { buildReport, renderMarkdown } from "./report.js";
import { validateDataset, validRows } from "./row-validation.js";

const rows = [
  ...Array.from({ length: 30 }, (_, i) => ({
    date: "2024-01-02",
    region: i % 2 ? "west" : "east",
    product: "WIDGET-001",
    quantity: 1,
    amount: 30,
  })),
  { date: "2024-01-03", region: "west", product: "GIZMO-003", quantity: 10, amount: 5000 },
  { date: "bad", region: "west", product: "GIZMO-003", quantity: 1, amount: 10 },
];
const columns = ["date", "region", "product", "quantity", "amount"];

function report() {
  return buildReport({
    jobId: 9,
    source: "q1-sales",
    origin: "generated",
    columns,
    validation: validateDataset(rows, columns),
    columnStats: profileColumns(rows, columns),
    anomalies: detectAnomalies(rows),
    aggregates: aggregate(validRows(rows)),
    generatedAt: "2024-04-01T00:00:00.000Z",
  });
}

describe("buildReport", () => {
  it("summarizes totals, quality and anomalies with highlights", () => {
    const r = report();
    expect(r.title).toBe("Sales analytics: q1-sales (job #9)");
    expect(r.totals).toEqual({ rows: 31, quantity: 40, amount: 5900 });
    expect(r.quality).toEqual({ valid_rows: 31, invalid_rows: 1, invalid_share: 0.0313 });
    expect(r.anomalies.count).toBe(1);
    expect(r.highlights).toContain("Top region: west (5,450.00)");
    expect(r.highlights).toContain("1 of 32 rows were invalid and left out of the totals");
  });
});

describe("renderMarkdown", () => {
  it("renders headings, tables and the anomalies", () => {
    const md = renderMarkdown(report());
    expect(md).toMatch(/^# Sales analytics: q1-sales \(job #9\)\n/);
    expect(md).toContain("| west | 16 | 25 | 5,450.00 |");
    expect(md).toContain("| GIZMO-003 | 1 | 10 | 5,000.00 |");
    expect(md).toMatch(/- row 30: 5,000.00 \(z = \d+(\.\d+)?\)/);
  });
});
