import type { Queryable } from "../../src/store/database.js";

/** Every node of an EXPLAIN (FORMAT JSON) plan, each with the types of the nodes above it (`Above`, nearest first). */
export function planNodes(plan: Record<string, unknown>, above: string[] = []): Record<string, unknown>[] {
  const children = (plan.Plans as Record<string, unknown>[] | undefined) ?? [];
  const under = [String(plan["Node Type"]), ...above];
  return [{ ...plan, Above: above }, ...children.flatMap((child) => planNodes(child, under))];
}

/** The nodes of the plan `db` makes for `sql` with `params` (planned, not run). */
export async function explainNodes(
  db: Queryable,
  sql: string,
  params: readonly unknown[],
): Promise<Record<string, unknown>[]> {
  const [row] = await db.query<{ "QUERY PLAN": [{ Plan: Record<string, unknown> }] }>(
    `EXPLAIN (FORMAT JSON) ${sql}`,
    [...params],
  );
  return planNodes(row!["QUERY PLAN"][0].Plan);
}
