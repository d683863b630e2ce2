import {
  type Database,
  type Queryable,
  run,
  runUnflushed,
  type Statement,
  type Transaction,
} from "../database.js";

/** The channel every queue write notifies; the payload is the queue name. */
export const QUEUE_CHANNEL = "tasker_queue";

export interface QueueMessage<T = Record<string, unknown>> {
  msgId: string;
  queueName: string;
  message: T;
  readCount: number;
}

/**
 * A CTE named `signal` that announces steps on a namespace queue, in the statement that moved
 * them: one message (ids only) per row of `from` (which has `task_uuid` and `workflow_step_uuid`)
 * and a NOTIFY that wakes the queue's consumers after commit. `queue` and `correlationId` are SQL
 * expressions (usually parameters).
 */
export function stepSignalCte(o: {
  from: string;
  queue: string;
  correlationId: string;
  where?: string;
  orderBy?: string;
  /** false: no NOTIFY in the statement; the caller wakes the queue after commit (see wakeQueuesAfterCommit). */
  notify?: boolean;
}): string {
  return `signal AS (
       INSERT INTO tasker.queue_messages (queue_name, message)
       SELECT ${o.queue}, jsonb_build_object('task_uuid', task_uuid, 'step_uuid', workflow_step_uuid,
                                            'correlation_id', ${o.correlationId})
         FROM ${o.from}${o.where ? ` WHERE ${o.where}` : ""}${o.orderBy ? ` ORDER BY ${o.orderBy}` : ""}
       ${o.notify === false ? "RETURNING msg_id" : `RETURNING pg_notify('${QUEUE_CHANNEL}', queue_name)`})`;
}

/**
 * SQL: the ids of up to `limit` visible messages of the queues `queues` (SQL text[]), locked for
 * update (SKIP LOCKED), oldest visible first. Each queue is read in the order of its index
 * (queue_name, visible_at, msg_id), stopping at `limit`: filtered by queue_name = ANY(...) and
 * sorted by msg_id, a read took every visible message of the queue and sorted them, a cost per
 * read that grew with the queue (1,000 ready steps of one task: 2-7 ms a read on PGlite;
 * bench/LOG.md, "The queue read of a long queue"). `where`: more conditions on message row `q`.
 *
 * The rows found are written by key from an array, `msg_id = ANY(ARRAY(...))`, never through
 * `msg_id IN (...)` or a join with the subquery: those may be planned as a join that walks every
 * entry of the table's key index, live or dead, and they are once ANALYZE has seen the outbox
 * drained, as it is between bursts (3-5x the database's time per step; bench/LOG.md, "A drained
 * outbox's statistics"). The same holds for any statement that writes rows a subquery chose.
 */
export function visibleMessageIdsSql(queues: string, limit: string, where = ""): string {
  return `SELECT v.msg_id FROM (SELECT DISTINCT unnest(${queues}::text[]) AS queue_name) n,
             LATERAL (SELECT q.msg_id, q.visible_at FROM tasker.queue_messages q
                       WHERE q.queue_name = n.queue_name AND q.visible_at <= now()${where}
                       ORDER BY q.visible_at, q.msg_id
                       LIMIT ${limit}
                       FOR UPDATE SKIP LOCKED) v
           ORDER BY v.visible_at, v.msg_id
           LIMIT ${limit}`;
}

/**
 * SQL text[]: the name of every queue that holds a message, found with one descent of the index
 * (queue_name, visible_at, msg_id) per queue; a DISTINCT over the table would read every message.
 */
const QUEUES_WITH_MESSAGES = `ARRAY(
       WITH RECURSIVE queue_names AS (
         (SELECT queue_name FROM tasker.queue_messages ORDER BY queue_name LIMIT 1)
         UNION ALL
         SELECT (SELECT q.queue_name FROM tasker.queue_messages q
                  WHERE q.queue_name > queue_names.queue_name ORDER BY q.queue_name LIMIT 1)
           FROM queue_names WHERE queue_names.queue_name IS NOT NULL)
       SELECT queue_name FROM queue_names WHERE queue_name IS NOT NULL)`;

/**
 * The statement takeDueMessages runs ($1: limit; exported for plan tests): every queue read as
 * receiveMessages reads one, the rows deleted by key (see visibleMessageIdsSql).
 */
export const TAKE_DUE_MESSAGES_SQL = `DELETE FROM tasker.queue_messages
  WHERE msg_id = ANY(ARRAY(${visibleMessageIdsSql(QUEUES_WITH_MESSAGES, "$1")}))
  RETURNING msg_id::text AS msg_id, queue_name, message`;

/** A message the outbox relay took from the queue table. */
export interface DueMessage {
  msg_id: string;
  queue_name: string;
  message: unknown;
}

/**
 * Deletes up to `limit` visible messages of every queue and returns them in msg_id order: the
 * RabbitMQ outbox relay, in the transaction that publishes them (its rollback puts them back).
 * Oldest visible first; SKIP LOCKED leaves the rows another relay holds to it. A delayed message
 * (a retry's backoff) is not read until it is due: in msg_id order over all queues, each batch
 * would pass over every delayed message older than the first due one.
 */
export async function takeDueMessages(tx: Transaction, limit: number): Promise<DueMessage[]> {
  const rows = await tx.query<DueMessage>(TAKE_DUE_MESSAGES_SQL, [limit]);
  return rows.sort((a, b) => Number(BigInt(a.msg_id) - BigInt(b.msg_id)));
}

/**
 * Wakes the consumers of queues, as one statement in a transaction of its own (see
 * wakeQueueAfterCommit for why). It writes nothing to the WAL, so its commit does not wait for the
 * disk, whatever synchronous_commit says: no BEGIN or SET around it.
 */
export async function notifyQueues(db: Database, queues: readonly string[]): Promise<void> {
  if (queues.length === 0) return;
  await db.query(`SELECT count(pg_notify('${QUEUE_CHANNEL}', q)) AS n FROM unnest($1::text[]) AS q`, [
    queues,
  ]);
}

/** Sends messages (optionally delayed) and wakes listeners of their queues after commit. */
export async function sendMessages(
  q: Queryable,
  messages: readonly { queueName: string; message: unknown; delayMs?: number }[],
): Promise<void> {
  if (messages.length === 0) return;
  await q.query(
    `WITH m AS (
       SELECT * FROM jsonb_to_recordset($1::jsonb) AS x(queue_name text, message jsonb, delay_ms double precision)
     ), ins AS (
       INSERT INTO tasker.queue_messages (queue_name, message, visible_at)
       SELECT queue_name, message, now() + make_interval(secs => coalesce(delay_ms, 0) / 1000.0) FROM m
     )
     SELECT pg_notify('${QUEUE_CHANNEL}', queue_name) FROM (SELECT DISTINCT queue_name FROM m WHERE coalesce(delay_ms, 0) = 0) d`,
    [
      JSON.stringify(
        messages.map((m) => ({ queue_name: m.queueName, message: m.message, delay_ms: m.delayMs ?? 0 })),
      ),
    ],
  );
}

/** A row of the statement receiveMessages runs. */
interface ReceivedMessageRow<T> {
  msg_id: string;
  queue_name: string;
  message: T;
  read_count: number;
}

/** The statement receiveMessages runs, with its parameters (exported for plan tests). */
export function receiveMessagesStatement<T>(
  queueNames: readonly string[],
  limit: number,
  visibilitySeconds: number,
): Statement<ReceivedMessageRow<T>> {
  return {
    sql: `UPDATE tasker.queue_messages m
        SET visible_at = now() + make_interval(secs => $3), read_count = m.read_count + 1
      WHERE m.msg_id = ANY(ARRAY(${visibleMessageIdsSql("$1", "$2")}))
      RETURNING m.msg_id::text AS msg_id, m.queue_name, m.message, m.read_count`,
    params: [queueNames, limit, visibilitySeconds],
  };
}

/**
 * Reads up to `limit` visible messages from the queues and hides them for `visibilitySeconds`
 * (at-least-once: a reader that dies before acking lets them reappear). SKIP LOCKED lets many
 * readers share a queue without blocking each other.
 */
export async function receiveMessages<T>(
  db: Database,
  queueNames: readonly string[],
  limit: number,
  visibilitySeconds: number,
): Promise<QueueMessage<T>[]> {
  // A lost receive only shows the messages again: no need to wait for the disk.
  const rows = await runUnflushed(db, receiveMessagesStatement<T>(queueNames, limit, visibilitySeconds));
  return rows
    .map((r) => ({ msgId: r.msg_id, queueName: r.queue_name, message: r.message, readCount: r.read_count }))
    .sort((a, b) => Number(BigInt(a.msgId) - BigInt(b.msgId)));
}

/**
 * Milliseconds until the earliest delayed message of `queue` that was never read becomes visible
 * (a retry's wake-up), by the database's clock; null when there is none. Read messages hidden by
 * their visibility timeout are not counted: they come back only when their reader died.
 */
export async function nextDelayedMessageInMs(q: Queryable, queue: string): Promise<number | null> {
  const [row] = await q.query<{ due_in_ms: number | null }>(
    `SELECT (extract(epoch FROM min(visible_at) - now()) * 1000)::float8 AS due_in_ms
       FROM tasker.queue_messages
      WHERE queue_name = $1 AND visible_at > now() AND read_count = 0`,
    [queue],
  );
  return row?.due_in_ms ?? null;
}

/** Deletes processed messages. Done in the same transaction as the work they triggered. */
export async function ackMessages(q: Queryable, msgIds: readonly string[]): Promise<void> {
  if (msgIds.length === 0) return;
  await q.query("DELETE FROM tasker.queue_messages WHERE msg_id = ANY($1::bigint[])", [msgIds]);
}

/** Messages reappear `seconds` from now (a long handler still works on them, or a try again shortly). */
export async function extendVisibility(
  q: Queryable,
  msgIds: readonly string[],
  seconds: number,
): Promise<void> {
  if (msgIds.length === 0) return;
  await run(q, extendVisibilityStatement(msgIds, seconds));
}

/** The statement extendVisibility runs (exported for plan tests). */
export function extendVisibilityStatement(msgIds: readonly string[], seconds: number): Statement<never> {
  // Locked rows are skipped (see extendClaims): they are being deleted with their step's outcome.
  // Updated by key from an array (see visibleMessageIdsSql).
  return {
    sql: `UPDATE tasker.queue_messages SET visible_at = now() + make_interval(secs => $2)
      WHERE msg_id = ANY(ARRAY(SELECT msg_id FROM tasker.queue_messages
                                WHERE msg_id = ANY($1::bigint[]) FOR UPDATE SKIP LOCKED))`,
    params: [msgIds, seconds],
  };
}

/** Makes messages visible again at once (a worker releasing work on shutdown). */
export async function releaseMessages(q: Queryable, msgIds: readonly string[]): Promise<void> {
  if (msgIds.length === 0) return;
  await q.query(
    `WITH r AS (UPDATE tasker.queue_messages SET visible_at = now() WHERE msg_id = ANY($1::bigint[]) RETURNING queue_name)
     SELECT pg_notify('${QUEUE_CHANNEL}', queue_name) FROM (SELECT DISTINCT queue_name FROM r) d`,
    [msgIds],
  );
}

export interface QueueDepth {
  queue: string;
  depth: number;
  visible: number;
  oldestAgeSeconds: number;
}

export async function queueDepths(q: Queryable): Promise<QueueDepth[]> {
  const rows = await q.query<{ queue: string; depth: number; visible: number; oldest: number }>(
    `SELECT queue_name AS queue, count(*)::int AS depth,
            count(*) FILTER (WHERE visible_at <= now())::int AS visible,
            coalesce(extract(epoch FROM now() - min(enqueued_at)), 0)::float8 AS oldest
       FROM tasker.queue_messages GROUP BY queue_name ORDER BY queue_name`,
  );
  return rows.map((r) => ({
    queue: r.queue,
    depth: r.depth,
    visible: r.visible,
    oldestAgeSeconds: r.oldest,
  }));
}
