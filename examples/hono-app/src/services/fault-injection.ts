// Deterministic downstream faults, so tests and demos can prove retries end to end.
// `cust-004-flaky`: the user-profile service answers 503 to the first call of each request.
// "First" is decided in the database (a unique key per request), so it holds when the step is
// retried by another worker process, and a second call for the same request always succeeds.
import type { AppDb } from "../db/client.js";
import { audit_logs } from "../db/schema.js";

export const FLAKY_PROFILE_CUSTOMERS: ReadonlySet<string> = new Set(["cust-004-flaky"]);

/**
 * True exactly once per (customer, request id): the call that should get the simulated outage.
 * The injected fault is written to `audit_logs` (the unique dedupe key makes it once-only), so
 * operators can see why the call failed.
 */
export async function claimFirstCallFault(
  db: AppDb,
  userId: string,
  requestId: string | undefined,
): Promise<boolean> {
  // Without a request id there is nothing to key "first call" on: serve normally.
  if (!requestId || !FLAKY_PROFILE_CUSTOMERS.has(userId)) return false;
  const inserted = await db
    .insert(audit_logs)
    .values({
      dedupe_key: `fault:user_profiles:first_call_503:${requestId}`,
      entity_type: "customer",
      entity_id: userId,
      action: "simulated_outage",
      actor: "user_profiles_service",
      details: {
        request_id: requestId,
        status: 503,
        rule: "first call per request fails for flaky customers",
      },
    })
    .onConflictDoNothing({ target: audit_logs.dedupe_key })
    .returning({ id: audit_logs.id });
  return inserted.length > 0;
}
