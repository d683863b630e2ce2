import type { Queryable } from "../database.js";

/** Lifecycle events travel as NOTIFY on this channel: sent inside the deciding transaction, so after commit. */
export const EVENTS_CHANNEL = "tasker_events";

/**
 * SQL that sends each payload of `param` (an {@link eventPayloadsParam}) as a NOTIFY on the events
 * channel, in order, and counts them (`n`).
 */
export function notifyEach(param: string): string {
  return `count(pg_notify('${EVENTS_CHANNEL}', e::text)) AS n FROM json_array_elements(${param}::json) AS e`;
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
