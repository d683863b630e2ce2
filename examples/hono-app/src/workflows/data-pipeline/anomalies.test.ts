import { describe, expect, it } from "vitest";
import { detectAnomalies } from "./anomalies.js";

describe("detectAnomalies", () => {
  it("flags values beyond three standard deviations, most extreme first", () => {
    const rows = [
      ...Array.from({ length: 50 }, (_, i) => ({ amount: 100 + (i % 5) })),
      { amount: 1000 },
      { amount: "2000" },
    ];
    const report = detectAnomalies(rows);
    expect(report.rows_considered).toBe(52);
    expect(report.anomaly_count).toBe(1);
    expect(report.anomalies[0]).toMatchObject({ row_index: 51, value: 2000 });
    expect(report.anomalies[0]!.z_score).toBeGreaterThan(3);
    expect(report.upper_bound).toBeLessThan(2000);
  });

  it("finds nothing in constant, empty or non-numeric data", () => {
    expect(detectAnomalies([{ amount: 5 }, { amount: 5 }]).anomaly_count).toBe(0);
    expect(detectAnomalies([]).anomaly_count).toBe(0);
    expect(detectAnomalies([{ amount: "x" }]).rows_considered).toBe(0);
  });

  it("treats low outliers the same as high ones", () => {
    const rows = [
      ...Array.from({ length: 100 }, () => ({ amount: 500 })),
      { amount: 499 },
      { amount: -5000 },
    ];
    const report = detectAnomalies(rows);
    expect(report.anomalies.map((a) => a.value)).toEqual([-5000]);
    expect(report.anomalies[0]!.z_score).toBeLessThan(-3);
  });
});
