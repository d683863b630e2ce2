import { describe, expect, it } from "vitest";
import { parseRowId } from "./row-id.js";

describe("parseRowId", () => {
  it("accepts positive integers", () => {
    expect(parseRowId("1")).toBe(1);
    expect(parseRowId("2147483647")).toBe(2_147_483_647);
  });
  it.each(["", "0", "-1", "01", "1.5", "abc", "1e3", " 1", "2147483648", "99999999999"])(
    "rejects %j",
    (raw) => {
      expect(parseRowId(raw)).toBeUndefined();
    },
  );
});
