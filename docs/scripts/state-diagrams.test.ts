import { describe, expect, it } from "vitest";
import { stateDiagram } from "./state-diagrams.js";

describe("stateDiagram", () => {
  const table = {
    start: { from: ["new"], to: "running" },
    finish: { from: ["running"], to: "done" },
    cancel: { from: ["new", "running"], to: "done" },
    retry: { from: ["done"], to: "running" },
  };

  it("draws one arrow per pair of states, labelled with every event that takes it", () => {
    const mermaid = stateDiagram(table, {
      initial: "new",
      terminal: new Set(["done"]),
      order: ["new", "running", "done"],
    });
    expect(mermaid).toBe(
      [
        "stateDiagram-v2",
        "  [*] --> new",
        "  new --> running: start",
        "  new --> done: cancel",
        "  running --> done: finish, cancel",
        "  done --> running: retry",
        "  done --> [*]",
        "",
      ].join("\n"),
    );
  });

  it("places states missing from the order after the others", () => {
    const mermaid = stateDiagram(
      { a: { from: ["x"], to: "y" }, b: { from: ["new"], to: "x" } },
      {
        initial: "new",
        terminal: new Set(),
        order: ["new"],
      },
    );
    expect(mermaid.indexOf("new --> x")).toBeLessThan(mermaid.indexOf("x --> y"));
  });
});
