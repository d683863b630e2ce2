// Schema checks for sales rows: required columns with the right types. Numbers may arrive as
// numeric strings (CSV); `toNumber` is the one place that decides what counts as a number.

export const REQUIRED_COLUMNS = ["date", "region", "product", "quantity", "amount"] as const;
/** More than this share of invalid rows fails the job: the data is not what we think it is. */
export const MAX_INVALID_SHARE = 0.5;

export interface RowIssue {
  column: string;
  message: string;
}

export function toNumber(value: unknown): number | undefined {
  if (typeof value === "number") return Number.isFinite(value) ? value : undefined;
  if (typeof value === "string" && value.trim() !== "" && /^-?\d+(\.\d+)?$/.test(value.trim())) {
    return Number(value.trim());
  }
  return undefined;
}

function isIsoDate(value: unknown): boolean {
  if (typeof value !== "string" || !/^\d{4}-\d{2}-\d{2}$/.test(value)) return false;
  const date = new Date(`${value}T00:00:00Z`);
  return !Number.isNaN(date.getTime()) && date.toISOString().startsWith(value);
}

export function validateRow(row: Record<string, unknown>): RowIssue[] {
  const issues: RowIssue[] = [];
  for (const column of REQUIRED_COLUMNS) {
    const value = row[column];
    if (value === undefined || value === null || value === "") {
      issues.push({ column, message: "is missing" });
      continue;
    }
    if (column === "date" && !isIsoDate(value))
      issues.push({ column, message: "must be a date like 2024-01-31" });
    if ((column === "region" || column === "product") && typeof value !== "string") {
      issues.push({ column, message: "must be text" });
    }
    if (column === "quantity") {
      const n = toNumber(value);
      if (n === undefined || !Number.isInteger(n) || n < 0) {
        issues.push({ column, message: "must be a whole number >= 0" });
      }
    }
    if (column === "amount" && toNumber(value) === undefined)
      issues.push({ column, message: "must be a number" });
  }
  return issues;
}

export interface DatasetValidation {
  total_rows: number;
  valid_rows: number;
  invalid_rows: number;
  invalid_share: number;
  missing_columns: string[];
  /** The first few invalid rows, by index, with what is wrong. */
  invalid_examples: Array<{ row_index: number; issues: RowIssue[] }>;
}

export function validateDataset(
  rows: readonly Record<string, unknown>[],
  columns: readonly string[],
): DatasetValidation {
  const invalid: Array<{ row_index: number; issues: RowIssue[] }> = [];
  rows.forEach((row, index) => {
    const issues = validateRow(row);
    if (issues.length > 0) invalid.push({ row_index: index, issues });
  });
  return {
    total_rows: rows.length,
    valid_rows: rows.length - invalid.length,
    invalid_rows: invalid.length,
    invalid_share: rows.length === 0 ? 0 : Math.round((invalid.length / rows.length) * 10_000) / 10_000,
    missing_columns: REQUIRED_COLUMNS.filter((c) => !columns.includes(c)),
    invalid_examples: invalid.slice(0, 5),
  };
}

/** The rows that pass validateRow, with quantity and amount as numbers. */
export function validRows(rows: readonly Record<string, unknown>[]) {
  return rows
    .filter((row) => validateRow(row).length === 0)
    .map((row) => ({
      date: String(row.date),
      region: String(row.region),
      product: String(row.product),
      quantity: toNumber(row.quantity)!,
      amount: toNumber(row.amount)!,
    }));
}
