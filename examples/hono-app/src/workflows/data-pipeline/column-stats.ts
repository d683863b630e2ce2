// Per-column profile of a dataset: min, max, mean, nulls, distinct values.
import { toNumber } from "./row-validation.js";

export interface ColumnStats {
  type: "number" | "string" | "mixed" | "empty";
  count: number;
  nulls: number;
  distinct: number;
  min: number | string | null;
  max: number | string | null;
  /** Numbers only. */
  mean: number | null;
}

const isNull = (v: unknown) => v === undefined || v === null || v === "";
const round = (n: number) => Math.round(n * 10_000) / 10_000;

export function columnStats(rows: readonly Record<string, unknown>[], column: string): ColumnStats {
  const present = rows.map((r) => r[column]).filter((v) => !isNull(v));
  const numbers = present.map(toNumber).filter((n): n is number => n !== undefined);
  // "3" from a CSV and 3 from JSON are the same value.
  const distinct = new Set(
    present.map((v) => String(toNumber(v) ?? (typeof v === "string" ? v : JSON.stringify(v)))),
  ).size;
  const base = { count: rows.length, nulls: rows.length - present.length, distinct };
  if (present.length === 0) return { ...base, type: "empty", min: null, max: null, mean: null };
  if (numbers.length === present.length) {
    const sum = numbers.reduce((a, b) => a + b, 0);
    return {
      ...base,
      type: "number",
      min: Math.min(...numbers),
      max: Math.max(...numbers),
      mean: round(sum / numbers.length),
    };
  }
  const texts = present.map(String).sort();
  return {
    ...base,
    type: numbers.length > 0 ? "mixed" : "string",
    min: texts[0]!,
    max: texts[texts.length - 1]!,
    mean: null,
  };
}

export function profileColumns(
  rows: readonly Record<string, unknown>[],
  columns: readonly string[],
): Record<string, ColumnStats> {
  return Object.fromEntries(columns.map((c) => [c, columnStats(rows, c)]));
}
