import { describe, expect, it } from "vitest";
import { colourEnabled, createStyle, stripAnsi, visibleLength } from "./style.js";

describe("colourEnabled", () => {
  it("colours a terminal only", () => {
    expect(colourEnabled({ isTTY: true }, {})).toBe(true);
    expect(colourEnabled({ isTTY: false }, {})).toBe(false);
    expect(colourEnabled({}, {})).toBe(false);
  });

  it("honours NO_COLOR (when not empty) over everything, and TERM=dumb", () => {
    expect(colourEnabled({ isTTY: true }, { NO_COLOR: "1" })).toBe(false);
    expect(colourEnabled({ isTTY: true }, { NO_COLOR: "" })).toBe(true);
    expect(colourEnabled({ isTTY: true }, { NO_COLOR: "1", FORCE_COLOR: "1" })).toBe(false);
    expect(colourEnabled({ isTTY: true }, { TERM: "dumb" })).toBe(false);
  });

  it("FORCE_COLOR turns colour on off a terminal, except FORCE_COLOR=0", () => {
    expect(colourEnabled({ isTTY: false }, { FORCE_COLOR: "1" })).toBe(true);
    expect(colourEnabled({ isTTY: false }, { FORCE_COLOR: "0" })).toBe(false);
  });
});

describe("createStyle", () => {
  it("wraps text in ANSI codes only when enabled", () => {
    expect(createStyle(false).red("x")).toBe("x");
    const red = createStyle(true).red("x");
    expect(red).toBe("\u001b[31mx\u001b[39m");
    expect(stripAnsi(red)).toBe("x");
    expect(visibleLength(createStyle(true).bold("abc"))).toBe(3);
  });
});
