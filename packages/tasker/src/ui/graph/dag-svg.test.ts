import { describe, expect, it } from "vitest";
import { renderToString } from "../views/html.js";
import { edgePath, fitText, nodeDomId, nodeWidth, renderDagSvg } from "./dag-svg.js";

const node = (id: string, state = "pending", extra: Record<string, unknown> = {}) => ({
  id,
  label: id,
  detail: state,
  state,
  title: `${id}: ${state}`,
  ...extra,
});

describe("renderDagSvg", () => {
  it("draws one node per step with its state, and one edge per dependency", async () => {
    const svg = await renderToString(
      renderDagSvg(
        [node("a", "complete"), node("b", "in_progress", { href: "/ui/tasks/t?step=b", selected: true })],
        [{ from: "a", to: "b" }],
        { label: "Steps of t" },
      ),
    );
    expect(svg).toMatch(/^<svg class="dag"/);
    expect(svg).toContain('aria-label="Steps of t"');
    expect(svg).toMatch(/<g id="node-a" class="node state-complete" data-step="a" data-state="complete"/);
    expect(svg).toMatch(
      /<a id="node-b" class="node state-in_progress selected" href="\/ui\/tasks\/t\?step=b" data-step="b"/,
    );
    expect(svg).toContain('aria-current="true"');
    expect(svg.match(/<path class="edge edge-from-complete"/g)).toHaveLength(1);
    expect(svg).toContain('data-from="a" data-to="b"');
  });

  it("escapes names and titles", async () => {
    const svg = await renderToString(
      renderDagSvg([{ ...node("x"), label: "<script>", title: '"quoted" & <b>' }], [], { label: "g" }),
    );
    expect(svg).not.toContain("<script>");
    expect(svg).toContain("&lt;script&gt;");
    expect(svg).toContain("&quot;quoted&quot; &amp; &lt;b&gt;");
  });

  it("sizes the picture to the layout", async () => {
    const svg = await renderToString(renderDagSvg([node("a")], [], { label: "g" }));
    const [, w, h] = svg.match(/viewBox="0 0 (\d+) (\d+)"/) ?? [];
    expect(Number(w)).toBeGreaterThanOrEqual(112);
    expect(Number(h)).toBeGreaterThanOrEqual(46);
  });
});

describe("node text", () => {
  it("keeps short names and cuts long ones with an ellipsis", () => {
    expect(fitText("charge", 200, 7.6)).toBe("charge");
    const cut = fitText("a".repeat(80), 200, 7.6);
    expect(cut.endsWith("…")).toBe(true);
    expect(cut.length).toBeLessThan(30);
  });

  it("grows nodes with their text within bounds", () => {
    expect(nodeWidth("a", "")).toBe(112);
    expect(nodeWidth("validate_order_payment", "")).toBeGreaterThan(112);
    expect(nodeWidth("x".repeat(200), "")).toBe(240);
  });

  it("never cuts text that a node was sized for", () => {
    for (let n = 1; n <= 28; n++) {
      const detail = "d".repeat(n);
      expect(fitText(detail, nodeWidth("a", detail), 6.4)).toBe(detail);
      const name = "n".repeat(n);
      expect(fitText(name, nodeWidth(name, ""), 7.6)).toBe(name);
    }
  });

  it("makes DOM ids from any name", () => {
    expect(nodeDomId("charge_card")).toBe("node-charge_card");
    expect(nodeDomId('a"b c')).toBe("node-a_b_c");
  });
});

describe("edgePath", () => {
  it("is a straight line for two points and a smoothed curve for more", () => {
    expect(
      edgePath([
        { x: 0, y: 0 },
        { x: 0, y: 10 },
      ]),
    ).toBe("M0,0 L0,10");
    expect(
      edgePath([
        { x: 0, y: 0 },
        { x: 10, y: 10 },
        { x: 20, y: 30 },
      ]),
    ).toBe("M0,0 Q10,10 15,20 L20,30");
    expect(edgePath([])).toBe("");
  });
});

describe("renderDagSvg, steps created at run time", () => {
  it("dashes possible branches, classes absent steps and stacks a node standing for many", async () => {
    const svg = await renderToString(
      renderDagSvg(
        [
          node("route", "complete", { variant: "type-decision" }),
          node("manager", "absent", { variant: "type-standard absent presence-not_taken" }),
          node("rows", "in_progress", { stacked: true }),
        ],
        [
          { from: "route", to: "manager", possible: true },
          { from: "route", to: "rows" },
        ],
        { label: "g" },
      ),
    );
    expect(svg).toMatch(/<path class="edge edge-from-complete possible"[^>]*data-to="manager"/);
    expect(svg).toMatch(/<path class="edge edge-from-complete"[^>]*data-to="rows"/);
    expect(svg).toContain('class="node state-absent type-standard absent presence-not_taken"');
    expect(svg).toContain('class="node state-complete type-decision"');
    expect(svg.match(/<rect class="stack"/g)).toHaveLength(2);
  });
});
