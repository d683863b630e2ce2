// The analytics report: one JSON document (what the API returns) and its Markdown rendering.
import type { Aggregates, Totals } from "./aggregation.js";
import type { AnomalyReport } from "./anomalies.js";
import type { ColumnStats } from "./column-stats.js";
import type { DatasetValidation } from "./row-validation.js";

export interface ReportInput {
  jobId: number;
  source: string;
  origin: string;
  columns: string[];
  validation: DatasetValidation;
  columnStats: Record<string, ColumnStats>;
  anomalies: AnomalyReport;
  aggregates: Aggregates;
  generatedAt: string;
}

export interface AnalyticsReport {
  title: string;
  job_id: number;
  source: string;
  generated_at: string;
  dataset: { origin: string; rows: number; columns: string[] };
  quality: { valid_rows: number; invalid_rows: number; invalid_share: number };
  anomalies: {
    field: string;
    count: number;
    lower_bound: number;
    upper_bound: number;
    top: AnomalyReport["anomalies"];
  };
  totals: Totals;
  by_region: Record<string, Totals>;
  by_product: Record<string, Totals>;
  column_stats: Record<string, ColumnStats>;
  highlights: string[];
}

const money = (n: number) =>
  n.toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 });

function top(record: Record<string, Totals>): [string, Totals] | undefined {
  return Object.entries(record).sort(([, a], [, b]) => b.amount - a.amount)[0];
}

export function buildReport(input: ReportInput): AnalyticsReport {
  const highlights: string[] = [];
  const topRegion = top(input.aggregates.by_region);
  const topProduct = top(input.aggregates.by_product);
  if (topRegion) highlights.push(`Top region: ${topRegion[0]} (${money(topRegion[1].amount)})`);
  if (topProduct) highlights.push(`Top product: ${topProduct[0]} (${money(topProduct[1].amount)})`);
  highlights.push(
    `${input.anomalies.anomaly_count} anomalous ${input.anomalies.field} value(s) outside ${money(input.anomalies.lower_bound)} .. ${money(input.anomalies.upper_bound)}`,
  );
  if (input.validation.invalid_rows > 0) {
    highlights.push(
      `${input.validation.invalid_rows} of ${input.validation.total_rows} rows were invalid and left out of the totals`,
    );
  }
  return {
    title: `Sales analytics: ${input.source} (job #${input.jobId})`,
    job_id: input.jobId,
    source: input.source,
    generated_at: input.generatedAt,
    dataset: { origin: input.origin, rows: input.validation.total_rows, columns: input.columns },
    quality: {
      valid_rows: input.validation.valid_rows,
      invalid_rows: input.validation.invalid_rows,
      invalid_share: input.validation.invalid_share,
    },
    anomalies: {
      field: input.anomalies.field,
      count: input.anomalies.anomaly_count,
      lower_bound: input.anomalies.lower_bound,
      upper_bound: input.anomalies.upper_bound,
      top: input.anomalies.anomalies.slice(0, 10),
    },
    totals: input.aggregates.totals,
    by_region: input.aggregates.by_region,
    by_product: input.aggregates.by_product,
    column_stats: input.columnStats,
    highlights,
  };
}

function totalsTable(label: string, record: Record<string, Totals>): string[] {
  return [
    `| ${label} | Rows | Quantity | Amount |`,
    "| --- | ---: | ---: | ---: |",
    ...Object.entries(record).map(
      ([key, t]) => `| ${key} | ${t.rows} | ${t.quantity} | ${money(t.amount)} |`,
    ),
  ];
}

export function renderMarkdown(report: AnalyticsReport): string {
  return [
    `# ${report.title}`,
    "",
    `Generated ${report.generated_at} from ${report.dataset.origin} (${report.dataset.rows} rows).`,
    "",
    "## Highlights",
    ...report.highlights.map((h) => `- ${h}`),
    "",
    "## Totals",
    `${report.totals.rows} valid rows, ${report.totals.quantity} units, ${money(report.totals.amount)} in sales.`,
    "",
    "### By region",
    ...totalsTable("Region", report.by_region),
    "",
    "### By product",
    ...totalsTable("Product", report.by_product),
    "",
    "## Data quality",
    `${report.quality.valid_rows} valid, ${report.quality.invalid_rows} invalid (${(report.quality.invalid_share * 100).toFixed(2)}%).`,
    "",
    "## Anomalies",
    report.anomalies.count === 0
      ? `No ${report.anomalies.field} outside ${money(report.anomalies.lower_bound)} .. ${money(report.anomalies.upper_bound)}.`
      : `${report.anomalies.count} row(s) with ${report.anomalies.field} outside ${money(report.anomalies.lower_bound)} .. ${money(report.anomalies.upper_bound)}:`,
    ...report.anomalies.top.map((a) => `- row ${a.row_index}: ${money(a.value)} (z = ${a.z_score})`),
    "",
  ].join("\n");
}
