import { describe, expect, it } from "vitest";
import { layoutDag, longestPathLayers } from "./dag-layout.js";

const box = (id: string) => ({ id, width: 120, height: 40 });
const overlap = (a: { x: number; y: number; width: number; height: number }, b: typeof a) =>
  a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;

describe("layoutDag", () => {
  it("puts every dependency in a higher row than its dependants (top to bottom)", () => {
    const edges = [
      { from: "a", to: "b" },
      { from: "a", to: "c" },
      { from: "b", to: "d" },
      { from: "c", to: "d" },
    ];
    const result = layoutDag(["a", "b", "c", "d"].map(box), edges);
    const at = new Map(result.nodes.map((n) => [n.id, n]));
    for (const e of edges) expect(at.get(e.from)!.y).toBeLessThan(at.get(e.to)!.y);
    // b and c are parallel branches: same row, side by side.
    expect(at.get("b")!.y).toBe(at.get("c")!.y);
    expect(at.get("b")!.x).not.toBe(at.get("c")!.x);
    expect(result.nodes.map((n) => [n.id, n.layer])).toEqual([
      ["a", 0],
      ["b", 1],
      ["c", 1],
      ["d", 2],
    ]);
  });

  it("places nodes without overlaps, inside the drawing", () => {
    const ids = ["a", "b", "c", "d", "e", "f"];
    const edges = ["b", "c", "d"]
      .map((to) => ({ from: "a", to }))
      .concat(
        ["b", "c", "d"].map((from) => ({ from, to: "e" })),
        [{ from: "e", to: "f" }],
      );
    const result = layoutDag(ids.map(box), edges);
    for (const [i, a] of result.nodes.entries()) {
      expect(a.x).toBeGreaterThanOrEqual(0);
      expect(a.y).toBeGreaterThanOrEqual(0);
      expect(a.x + a.width).toBeLessThanOrEqual(result.width);
      expect(a.y + a.height).toBeLessThanOrEqual(result.height);
      for (const b of result.nodes.slice(i + 1)) expect(overlap(a, b)).toBe(false);
    }
  });

  it("routes every edge from its source to its target", () => {
    const result = layoutDag([box("a"), box("b")], [{ from: "a", to: "b" }]);
    const [edge] = result.edges;
    const a = result.nodes[0]!;
    const b = result.nodes[1]!;
    expect(edge!.points.length).toBeGreaterThanOrEqual(2);
    expect(edge!.points[0]!.y).toBeCloseTo(a.y + a.height, 0);
    expect(edge!.points.at(-1)!.y).toBeCloseTo(b.y, 0);
  });

  it("lays out left to right on request", () => {
    const result = layoutDag([box("a"), box("b")], [{ from: "a", to: "b" }], { direction: "LR" });
    expect(result.nodes[0]!.x).toBeLessThan(result.nodes[1]!.x);
    expect(result.nodes[0]!.y).toBe(result.nodes[1]!.y);
  });

  it("ignores edges to unknown or same nodes and handles empty graphs", () => {
    const result = layoutDag(
      [box("a")],
      [
        { from: "a", to: "ghost" },
        { from: "a", to: "a" },
      ],
    );
    expect(result.edges).toEqual([]);
    expect(result.nodes).toHaveLength(1);
    expect(layoutDag([], [])).toEqual({ width: 0, height: 0, nodes: [], edges: [] });
  });
});

describe("longestPathLayers", () => {
  it("is one more than the deepest dependency", () => {
    const layers = longestPathLayers(
      ["a", "b", "c"],
      [
        { from: "a", to: "b" },
        { from: "b", to: "c" },
        { from: "a", to: "c" },
      ],
    );
    expect(Object.fromEntries(layers)).toEqual({ a: 0, b: 1, c: 2 });
  });

  it("terminates on a cycle", () => {
    const layers = longestPathLayers(
      ["a", "b"],
      [
        { from: "a", to: "b" },
        { from: "b", to: "a" },
      ],
    );
    expect(layers.size).toBe(2);
  });
});
