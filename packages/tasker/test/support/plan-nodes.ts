/** Every node of an EXPLAIN (FORMAT JSON) plan, each with the types of the nodes above it (`Above`, nearest first). */
export function planNodes(plan: Record<string, unknown>, above: string[] = []): Record<string, unknown>[] {
  const children = (plan.Plans as Record<string, unknown>[] | undefined) ?? [];
  const under = [String(plan["Node Type"]), ...above];
  return [{ ...plan, Above: above }, ...children.flatMap((child) => planNodes(child, under))];
}
