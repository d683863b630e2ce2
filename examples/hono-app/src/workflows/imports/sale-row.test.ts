import { describe, expect, it } from "vitest";
import { saleRow } from "./sale-row.js";

describe("saleRow", () => {
  it("converts a valid CSV row's numbers", () => {
    expect(
      saleRow({ date: "2024-03-01", region: "north", product: "WIDGET-001", quantity: "2", amount: "59.98" }),
    ).toEqual({ date: "2024-03-01", region: "north", product: "WIDGET-001", quantity: 2, amount: 59.98 });
  });

  it("rejects a row the data pipeline's checks reject", () => {
    expect(
      saleRow({ date: "yesterday", region: "north", product: "W", quantity: "1", amount: "1" }),
    ).toBeUndefined();
    expect(
      saleRow({ date: "2024-03-01", region: "north", product: "W", quantity: "-1", amount: "1" }),
    ).toBeUndefined();
  });
});
