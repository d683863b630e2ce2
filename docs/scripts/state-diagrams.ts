// Mermaid state diagrams drawn from the engine's transition tables, so the diagrams in
// docs/architecture.md cannot drift from the states and events the engine really allows.

/** A transition table as the engine exports it: event -> the states it may leave -> the state it enters. */
export type TransitionTable = Readonly<Record<string, { from: readonly string[]; to: string }>>;

export interface DiagramOptions {
  /** The state a new task or step starts in. */
  initial: string;
  /** States nothing leaves on its own (drawn with an arrow to the end marker). */
  terminal: ReadonlySet<string>;
  /** States listed in this order first, so the drawing reads top to bottom. */
  order: readonly string[];
}

/**
 * A `stateDiagram-v2` with one arrow per (from, to) pair, labelled with every event that takes
 * it (several events between the same two states share one arrow).
 */
export function stateDiagram(table: TransitionTable, options: DiagramOptions): string {
  const edges = new Map<string, { from: string; to: string; events: string[] }>();
  for (const [event, rule] of Object.entries(table)) {
    for (const from of rule.from) {
      const key = `${from}\u0000${rule.to}`;
      const edge = edges.get(key) ?? { from, to: rule.to, events: [] };
      edge.events.push(event);
      edges.set(key, edge);
    }
  }
  const rank = (state: string) => {
    const i = options.order.indexOf(state);
    return i === -1 ? options.order.length : i;
  };
  const sorted = [...edges.values()].sort(
    (a, b) => rank(a.from) - rank(b.from) || rank(a.to) - rank(b.to) || a.to.localeCompare(b.to),
  );
  const lines = ["stateDiagram-v2", `  [*] --> ${options.initial}`];
  for (const e of sorted) lines.push(`  ${e.from} --> ${e.to}: ${e.events.join(", ")}`);
  for (const state of options.order.filter((s) => options.terminal.has(s))) lines.push(`  ${state} --> [*]`);
  return `${lines.join("\n")}\n`;
}
