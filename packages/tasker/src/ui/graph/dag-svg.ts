import { html } from "hono/html";
import type { Html } from "../views/html.js";
import { type DagEdgeInput, layoutDag, type Point } from "./dag-layout.js";

/** What one node shows: a step name, a line of detail, its state and where a click leads. */
export interface DagNodeView {
  id: string;
  label: string;
  detail: string;
  /** Colours the node (a step state, or "template" for a template's DAG). */
  state: string;
  /** Tooltip and accessible name. */
  title: string;
  href?: string;
  selected?: boolean;
  /** More classes: `absent` (a step the task lacks), `type-decision`, ... */
  variant?: string;
  /** Drawn as a stack of cards: one node standing for many steps (a batch worker's instances). */
  stacked?: boolean;
}

/** An edge; a possible branch (out of a decision, into a convergence step) is drawn dashed. */
export interface DagEdgeView extends DagEdgeInput {
  possible?: boolean;
}

export interface DagSvgOptions {
  /** Accessible name of the whole picture. */
  label: string;
}

const NODE_HEIGHT = 46;
const MIN_WIDTH = 112;
const MAX_WIDTH = 240;
// Average glyph widths of the 13px name and 11px detail lines (system UI fonts), with padding.
const NAME_CHAR = 7.6;
const DETAIL_CHAR = 6.4;
const PADDING = 24;

/** Names longer than a node can hold are cut with an ellipsis; the title keeps the whole name. */
export function fitText(text: string, maxWidth: number, charWidth: number): string {
  // The epsilon keeps a width computed by nodeWidth for exactly this text from cutting it.
  const max = Math.max(4, Math.floor((maxWidth - PADDING) / charWidth + 1e-6));
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

export function nodeWidth(label: string, detail: string): number {
  const wanted = Math.max(label.length * NAME_CHAR, detail.length * DETAIL_CHAR) + PADDING;
  return Math.ceil(Math.min(MAX_WIDTH, Math.max(MIN_WIDTH, wanted)));
}

/** An SVG path through the edge's points, smoothed with quadratic curves at the bends. */
export function edgePath(points: readonly Point[]): string {
  const [first, ...rest] = points;
  if (!first) return "";
  if (rest.length === 0) return `M${first.x},${first.y}`;
  let d = `M${first.x},${first.y}`;
  for (let i = 0; i < rest.length - 1; i++) {
    const bend = rest[i]!;
    const next = rest[i + 1]!;
    d += ` Q${bend.x},${bend.y} ${(bend.x + next.x) / 2},${(bend.y + next.y) / 2}`;
  }
  const last = rest.at(-1)!;
  return `${d} L${last.x},${last.y}`;
}

/** CSS-safe id fragment for a step name (names are snake_case, but ids must never break markup). */
export const nodeDomId = (id: string) => `node-${id.replace(/[^A-Za-z0-9_-]/g, "_")}`;

/**
 * The workflow DAG as inline SVG: layered by dagre, each node a link (keyboard focusable) coloured
 * by its state through CSS classes. `data-step`/`data-state` let tests and scripts read it.
 */
export function renderDagSvg(
  nodes: readonly DagNodeView[],
  edges: readonly DagEdgeView[],
  options: DagSvgOptions,
): Html {
  const possible = new Set(edges.filter((e) => e.possible).map((e) => `${e.from}\u0000${e.to}`));
  const sized = nodes.map((n) => ({ id: n.id, width: nodeWidth(n.label, n.detail), height: NODE_HEIGHT }));
  const placed = layoutDag(sized, edges);
  const views = new Map(nodes.map((n) => [n.id, n]));
  const stateOf = (id: string) => views.get(id)?.state ?? "pending";
  const width = Math.max(placed.width, 1);
  const height = Math.max(placed.height, 1);

  const edgeMarkup = placed.edges.map(
    (e) =>
      html`<path class="edge edge-from-${stateOf(e.from)}${possible.has(`${e.from}\u0000${e.to}`) ? " possible" : ""}" d="${edgePath(e.points)}" data-from="${e.from}" data-to="${e.to}" marker-end="url(#dag-arrow)"></path>`,
  );
  const nodeMarkup = placed.nodes.map((p) => {
    const view = views.get(p.id)!;
    const cx = p.x + p.width / 2;
    const stack = view.stacked
      ? html`<rect class="stack" x="${p.x + 6}" y="${p.y - 6}" width="${p.width}" height="${p.height}" rx="9"></rect><rect class="stack" x="${p.x + 3}" y="${p.y - 3}" width="${p.width}" height="${p.height}" rx="9"></rect>`
      : "";
    const body = html`<title>${view.title}</title>${stack}<rect x="${p.x}" y="${p.y}" width="${p.width}" height="${p.height}" rx="9"></rect><text class="node-name" x="${cx}" y="${p.y + 19}">${fitText(view.label, p.width, NAME_CHAR)}</text><text class="node-detail" x="${cx}" y="${p.y + 35}">${fitText(view.detail, p.width, DETAIL_CHAR)}</text>`;
    const cls = `node state-${view.state}${view.variant ? ` ${view.variant}` : ""}${view.selected ? " selected" : ""}`;
    return view.href
      ? html`<a id="${nodeDomId(p.id)}" class="${cls}" href="${view.href}" data-step="${p.id}" data-state="${view.state}" data-layer="${p.layer}" aria-label="${view.title}"${view.selected ? html` aria-current="true"` : ""}>${body}</a>`
      : html`<g id="${nodeDomId(p.id)}" class="${cls}" data-step="${p.id}" data-state="${view.state}" data-layer="${p.layer}" role="img" aria-label="${view.title}">${body}</g>`;
  });

  return html`<svg class="dag" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="group" aria-label="${options.label}"><defs><marker id="dag-arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z"></path></marker></defs><g class="edges">${edgeMarkup}</g><g class="nodes">${nodeMarkup}</g></svg>`;
}
