import { Graph, layout } from "@dagrejs/dagre";

export interface DagNodeInput {
  id: string;
  width: number;
  height: number;
}

export interface DagEdgeInput {
  from: string;
  to: string;
}

export interface Point {
  x: number;
  y: number;
}

/** A node placed by the layout: `x`/`y` is its top-left corner. */
export interface PlacedNode extends DagNodeInput {
  x: number;
  y: number;
  /** 0 for steps without dependencies, then one more per layer. */
  layer: number;
}

export interface PlacedEdge extends DagEdgeInput {
  points: Point[];
}

export interface DagLayout {
  width: number;
  height: number;
  nodes: PlacedNode[];
  edges: PlacedEdge[];
}

export interface DagLayoutOptions {
  /** TB: dependencies above their dependants (default); LR: left to right. */
  direction?: "TB" | "LR";
  nodeGap?: number;
  layerGap?: number;
  margin?: number;
}

const round = (n: number) => Math.round(n * 10) / 10;

/**
 * A layered (Sugiyama) layout of a workflow DAG by dagre: every dependency sits in an earlier
 * layer than its dependants and crossings are minimised. Pure: same input, same picture.
 * Edges naming unknown nodes are ignored, so a partly loaded graph still draws.
 */
export function layoutDag(
  nodes: readonly DagNodeInput[],
  edges: readonly DagEdgeInput[],
  options: DagLayoutOptions = {},
): DagLayout {
  if (nodes.length === 0) return { width: 0, height: 0, nodes: [], edges: [] };
  const margin = options.margin ?? 12;
  const g = new Graph<Record<string, unknown>, { width: number; height: number; x?: number; y?: number }>();
  g.setGraph({
    rankdir: options.direction ?? "TB",
    nodesep: options.nodeGap ?? 28,
    ranksep: options.layerGap ?? 44,
    marginx: margin,
    marginy: margin,
  });
  g.setDefaultEdgeLabel(() => ({}));
  for (const n of nodes) g.setNode(n.id, { width: n.width, height: n.height });
  const known = new Set(nodes.map((n) => n.id));
  const kept = edges.filter((e) => known.has(e.from) && known.has(e.to) && e.from !== e.to);
  for (const e of kept) g.setEdge(e.from, e.to);
  layout(g);

  const layers = longestPathLayers(
    nodes.map((n) => n.id),
    kept,
  );
  const placed = nodes.map((n) => {
    const label = g.node(n.id);
    return {
      ...n,
      x: round((label.x ?? 0) - n.width / 2),
      y: round((label.y ?? 0) - n.height / 2),
      layer: layers.get(n.id) ?? 0,
    };
  });
  const graph = g.graph() as { width?: number; height?: number };
  return {
    width: Math.ceil(graph.width ?? 0),
    height: Math.ceil(graph.height ?? 0),
    nodes: placed,
    edges: kept.map((e) => {
      const label = g.edge(e.from, e.to) as { points?: Point[] } | undefined;
      return { ...e, points: (label?.points ?? []).map((p) => ({ x: round(p.x), y: round(p.y) })) };
    }),
  };
}

/** The layer of each node: 0 without dependencies, else one more than its deepest dependency. */
export function longestPathLayers(
  ids: readonly string[],
  edges: readonly DagEdgeInput[],
): Map<string, number> {
  const parents = new Map<string, string[]>(ids.map((id) => [id, []]));
  for (const e of edges) parents.get(e.to)?.push(e.from);
  const layers = new Map<string, number>();
  const visiting = new Set<string>();
  const visit = (id: string): number => {
    const known = layers.get(id);
    if (known !== undefined) return known;
    // A cycle cannot come from a loaded template; guard anyway so a bad row cannot hang a page.
    if (visiting.has(id)) return 0;
    visiting.add(id);
    const layer = Math.max(-1, ...(parents.get(id) ?? []).map(visit)) + 1;
    visiting.delete(id);
    layers.set(id, layer);
    return layer;
  };
  for (const id of ids) visit(id);
  return layers;
}
