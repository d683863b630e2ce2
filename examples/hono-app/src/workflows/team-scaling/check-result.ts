// Both teams write their part of the check's `result` (quote / compliance) without reading it
// first: a jsonb merge in one UPDATE, so concurrent writers never overwrite each other.
import { eq, sql } from "drizzle-orm";
import type { AppDb } from "../../db/client.js";
import { compliance_checks } from "../../db/schema.js";

export async function mergeCheckResult(
  db: AppDb,
  checkId: number,
  key: string,
  value: unknown,
): Promise<boolean> {
  const rows = await db
    .update(compliance_checks)
    .set({
      result: sql`coalesce(${compliance_checks.result}, '{}'::jsonb) || ${JSON.stringify({ [key]: value })}::jsonb`,
      updated_at: new Date(),
    })
    .where(eq(compliance_checks.id, checkId))
    .returning({ id: compliance_checks.id });
  return rows.length > 0;
}
