import { STEP_COMPLETED } from "../../events/event-names.js";
import type { Queryable } from "../database.js";

/** Lifecycle events travel as NOTIFY on this channel: sent inside the deciding transaction, so after commit. */
export const EVENTS_CHANNEL = "tasker_events";

/**
 * True while some process listens for step.completed events (a live lease, see
 * {@link holdStepCompletedLease}); evaluated once a statement. The one event of every step is sent
 * only then: a NOTIFYing commit holds a server-wide lock until its WAL flush, so commits that
 * NOTIFY cannot share a flush (bench/README.md, "What bounds the shapes' figures").
 */
export const STEP_COMPLETED_HEARD =
  "EXISTS (SELECT 1 FROM tasker.step_completed_listeners WHERE expires_at > now())";

/**
 * SQL that sends each payload of `param` (an {@link eventPayloadsParam}) as a NOTIFY on the events
 * channel, in order, and counts them (`n`); step.completed only while it is heard.
 */
export function notifyEach(param: string): string {
  return `count(pg_notify('${EVENTS_CHANNEL}', e::text)) AS n FROM json_array_elements(${param}::json) AS e
   WHERE e->>'event' <> '${STEP_COMPLETED}' OR ${STEP_COMPLETED_HEARD}`;
}

/**
 * Payloads (each a JSON object) as one JSON array text: a text[] parameter would escape every
 * quote of every payload on the way in, and the backend unescape them.
 */
export function eventPayloadsParam(payloads: readonly string[]): string {
  return `[${payloads.join(",")}]`;
}

/** Sends event payloads (JSON texts) on the events channel, in order, when the transaction commits. */
export async function notifyEvents(q: Queryable, payloads: readonly string[]): Promise<void> {
  if (payloads.length === 0) return;
  await q.query(`SELECT ${notifyEach("$1")}`, [eventPayloadsParam(payloads)]);
}

/**
 * Takes or extends a listener's lease on step.completed events, for `seconds`; expired leases of
 * other listeners (a process that stopped without releasing its own) go.
 */
export async function holdStepCompletedLease(
  q: Queryable,
  listenerId: string,
  seconds: number,
): Promise<void> {
  await q.query(
    `WITH gone AS (DELETE FROM tasker.step_completed_listeners WHERE expires_at < now() AND listener_id <> $1)
     INSERT INTO tasker.step_completed_listeners (listener_id, expires_at)
     VALUES ($1, now() + make_interval(secs => $2::float8))
     ON CONFLICT (listener_id) DO UPDATE SET expires_at = excluded.expires_at`,
    [listenerId, seconds],
  );
}

/** Ends a listener's lease on step.completed events. */
export async function releaseStepCompletedLease(q: Queryable, listenerId: string): Promise<void> {
  await q.query("DELETE FROM tasker.step_completed_listeners WHERE listener_id = $1", [listenerId]);
}
