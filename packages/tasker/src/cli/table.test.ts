import { describe, expect, it } from "vitest";
import { createStyle, stripAnsi } from "./style.js";
import { formatTable } from "./table.js";

const rows = [
  { name: "prepare", n: 1 },
  { name: "double_it", n: 12 },
];

describe("formatTable", () => {
  it("aligns columns to the widest cell, right-aligning where asked, with no trailing spaces", () => {
    const text = formatTable(
      [
        { header: "STEP", value: (r) => r.name },
        { header: "N", value: (r) => String(r.n), align: "right" },
      ],
      rows,
    );
    expect(text.split("\n")).toEqual(["STEP        N", "prepare     1", "double_it  12"]);
  });

  it("keeps alignment when cells are coloured", () => {
    const { red } = createStyle(true);
    const text = formatTable(
      [
        { header: "STEP", value: (r) => r.name, style: (t) => red(t) },
        { header: "N", value: (r) => String(r.n) },
      ],
      rows,
    );
    const plain = stripAnsi(text);
    expect(plain.split("\n")[1]).toBe("prepare    1");
  });
});
