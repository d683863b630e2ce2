import { visibleLength } from "./style.js";

export interface Column<T> {
  header: string;
  value(row: T): string;
  /** Styles the padded cell (colour must not change the width, so it is applied after padding). */
  style?: (text: string, row: T) => string;
  align?: "left" | "right";
}

/** A plain, aligned text table: a header row, then one line per row. No trailing spaces. */
export function formatTable<T>(
  columns: readonly Column<T>[],
  rows: readonly T[],
  header = (s: string) => s,
): string {
  const cells = rows.map((row) => columns.map((c) => c.value(row)));
  const widths = columns.map((c, i) => Math.max(c.header.length, ...cells.map((r) => visibleLength(r[i]!))));
  const pad = (text: string, i: number) => {
    const gap = " ".repeat(widths[i]! - visibleLength(text));
    return columns[i]!.align === "right" ? gap + text : text + gap;
  };
  const lines = [columns.map((c, i) => header(pad(c.header, i))).join("  ")];
  rows.forEach((row, r) => {
    lines.push(
      columns
        .map((c, i) => {
          const padded = pad(cells[r]![i]!, i);
          return c.style ? c.style(padded, row) : padded;
        })
        .join("  "),
    );
  });
  return lines.map((l) => l.trimEnd()).join("\n");
}
