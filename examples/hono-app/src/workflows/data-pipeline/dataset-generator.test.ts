import { describe, expect, it } from "vitest";
import { generateDataset, seededRandom, seedFrom } from "./dataset-generator.js";

describe("generateDataset", () => {
  it("is the same for the same job id and different for another", () => {
    expect(generateDataset(7)).toEqual(generateDataset(7));
    expect(generateDataset(7)).not.toEqual(generateDataset(8));
  });

  it("makes 1,000 sales rows with the expected columns and plausible values", () => {
    const rows = generateDataset(42);
    expect(rows).toHaveLength(1000);
    for (const row of rows) {
      expect(Object.keys(row).sort()).toEqual(["amount", "date", "product", "quantity", "region"]);
      expect(row.date).toMatch(/^2024-0[1-3]-\d\d$/);
      expect(typeof row.amount).toBe("number");
    }
  });

  it("contains a few outliers and a few broken rows, never many", () => {
    const rows = generateDataset(42);
    const broken = rows.filter((r) => r.region === "" || r.quantity === "n/a").length;
    expect(broken).toBeGreaterThan(0);
    expect(broken).toBeLessThan(30);
    const big = rows.filter((r) => (r.amount as number) > 5000).length;
    expect(big).toBeGreaterThan(0);
    expect(big).toBeLessThan(20);
  });
});

describe("seededRandom", () => {
  it("repeats for a seed and stays in [0, 1)", () => {
    const a = seededRandom(seedFrom("x"));
    const b = seededRandom(seedFrom("x"));
    const values = Array.from({ length: 1000 }, () => a());
    expect(values).toEqual(Array.from({ length: 1000 }, () => b()));
    expect(values.every((v) => v >= 0 && v < 1)).toBe(true);
  });
});
