import { describe, expect, it } from "vitest";
import { toNumber, validateDataset, validateRow, validRows } from "./row-validation.js";

const good = { date: "2024-02-29", region: "north", product: "WIDGET-001", quantity: 3, amount: 89.97 };

describe("validateRow", () => {
  it("accepts a good row, also with numbers as CSV strings", () => {
    expect(validateRow(good)).toEqual([]);
    expect(validateRow({ ...good, quantity: "3", amount: "89.97" })).toEqual([]);
  });

  it("names every bad column", () => {
    expect(
      validateRow({ date: "2024-02-30", region: "", product: 5, quantity: "n/a", amount: "abc" }),
    ).toEqual([
      { column: "date", message: "must be a date like 2024-01-31" },
      { column: "region", message: "is missing" },
      { column: "product", message: "must be text" },
      { column: "quantity", message: "must be a whole number >= 0" },
      { column: "amount", message: "must be a number" },
    ]);
    expect(validateRow({ ...good, quantity: -1 })).toEqual([
      { column: "quantity", message: "must be a whole number >= 0" },
    ]);
  });
});

describe("validateDataset", () => {
  it("counts invalid rows, their share and missing columns", () => {
    const rows = [good, { ...good, region: "" }, good, { ...good, amount: "x" }];
    const result = validateDataset(rows, ["date", "region", "product", "quantity", "amount"]);
    expect(result).toMatchObject({
      total_rows: 4,
      valid_rows: 2,
      invalid_rows: 2,
      invalid_share: 0.5,
      missing_columns: [],
    });
    expect(result.invalid_examples.map((e) => e.row_index)).toEqual([1, 3]);
    expect(validateDataset([], ["date"]).missing_columns).toEqual([
      "region",
      "product",
      "quantity",
      "amount",
    ]);
  });
});

describe("validRows / toNumber", () => {
  it("keeps valid rows with numeric fields as numbers", () => {
    expect(
      validRows([
        { ...good, quantity: "2", amount: "10.5" },
        { ...good, date: "yesterday" },
      ]),
    ).toEqual([{ date: "2024-02-29", region: "north", product: "WIDGET-001", quantity: 2, amount: 10.5 }]);
    expect([toNumber("1e5"), toNumber(""), toNumber(Number.NaN), toNumber(" 4 ")]).toEqual([
      undefined,
      undefined,
      undefined,
      4,
    ]);
  });
});
