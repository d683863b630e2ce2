// Outliers: values more than `sigmas` standard deviations (population) from the mean.
import { toNumber } from "./row-validation.js";

export interface Anomaly {
  row_index: number;
  value: number;
  z_score: number;
}

export interface AnomalyReport {
  field: string;
  sigmas: number;
  rows_considered: number;
  mean: number;
  stddev: number;
  lower_bound: number;
  upper_bound: number;
  anomaly_count: number;
  /** The most extreme first, at most `limit`. */
  anomalies: Anomaly[];
}

const round = (n: number) => Math.round(n * 100) / 100;

export function detectAnomalies(
  rows: readonly Record<string, unknown>[],
  field = "amount",
  sigmas = 3,
  limit = 50,
): AnomalyReport {
  const values = rows
    .map((row, row_index) => ({ row_index, value: toNumber(row[field]) }))
    .filter((v): v is { row_index: number; value: number } => v.value !== undefined);
  const n = values.length;
  const mean = n === 0 ? 0 : values.reduce((a, v) => a + v.value, 0) / n;
  const stddev = n === 0 ? 0 : Math.sqrt(values.reduce((a, v) => a + (v.value - mean) ** 2, 0) / n);
  const found =
    stddev === 0
      ? []
      : values
          .map((v) => ({ ...v, z_score: round((v.value - mean) / stddev) }))
          .filter((v) => Math.abs(v.value - mean) > sigmas * stddev)
          .sort((a, b) => Math.abs(b.z_score) - Math.abs(a.z_score));
  return {
    field,
    sigmas,
    rows_considered: n,
    mean: round(mean),
    stddev: round(stddev),
    lower_bound: round(mean - sigmas * stddev),
    upper_bound: round(mean + sigmas * stddev),
    anomaly_count: found.length,
    anomalies: found.slice(0, limit),
  };
}
