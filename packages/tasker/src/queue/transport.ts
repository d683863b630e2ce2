/**
 * How a consumer settles a delivery once its handler is done:
 * - `acked_in_database`: the handler's own database statement already removed the outbox row
 *   (Postgres transport), so the work and the ack committed together; RabbitMQ acks now.
 * - `ack`: done (or nothing to do, e.g. a stale signal); remove the message.
 * - `retry_later`: not now (another worker holds the step, or the database is down); the
 *   message comes back after the visibility timeout.
 * - `retry_soon`: not this instant (a transaction is writing the step's row); the message comes
 *   back after RETRY_SOON_MS.
 * - `release`: hand it back at once (shutdown).
 */
import type { QueueDepth, QueueMessage } from "../store/sql/queue.js";

export type Settlement = "acked_in_database" | "ack" | "retry_later" | "retry_soon" | "release";

/** How long a `retry_soon` message stays hidden: a row lock lasts one short transaction. */
export const RETRY_SOON_MS = 100;

export interface Delivery<T, C = never> {
  queue: string;
  message: T;
  /**
   * What the consumer's `receive` claimed with the message, when it claims as it reads (see
   * ConsumerOptions.receive); absent otherwise.
   */
  claimed?: C | undefined;
  /**
   * The outbox row behind this delivery (Postgres transport): delete it in the statement that
   * applies the work, so both commit or neither does. Null with RabbitMQ, which acks after commit.
   */
  outboxMsgId: string | null;
  /** Earlier deliveries of this message (0 on the first). */
  redeliveries: number;
}

/** A message a consumer's own `receive` read, and what it claimed with it. */
export interface ReceivedMessage<C> {
  message: QueueMessage<unknown>;
  claimed: C;
}

export interface ConsumerOptions<C = never> {
  /** Handlers running at once (RabbitMQ prefetch). */
  prefetch: number;
  /** A read message stays invisible this long; a crashed reader's messages come back after it. */
  visibilitySeconds: number;
  /** Fallback poll when no wake-up arrives (Postgres). */
  pollIntervalMs: number;
  /** Messages read per round trip, never more than free handler slots (Postgres). */
  batchSize: number;
  /**
   * Reads a batch instead of the plain read (Postgres), e.g. to claim the work the messages
   * announce in the same statement: each delivery carries what was claimed with it. It must hide
   * what it returns for `visibilitySeconds`, as the plain read does.
   */
  receive?:
    | ((queues: readonly string[], limit: number, visibilitySeconds: number) => Promise<ReceivedMessage<C>[]>)
    | undefined;
}

export interface Consumer {
  /** Stop taking new messages; handlers in flight go on. */
  stopReceiving(): Promise<void>;
  /** Resolves when no handler is running. */
  drained(): Promise<void>;
  inFlight(): number;
  /** Keep in-flight messages invisible for another visibility period (long handlers). */
  extendInFlight(): Promise<void>;
  /**
   * Takes a free handler slot for work that came without a message (a step claimed by its task's
   * creation in this process); returns the function that frees it, or undefined when every slot
   * is taken or the consumer stopped receiving. Counted by `inFlight()` and `drained()`. Absent
   * where the slots are the broker's (RabbitMQ prefetch).
   */
  borrowSlot?(): (() => void) | undefined;
  /** Reads the queues now instead of at the next poll (a delayed message became due). Postgres. */
  wake?(): void;
}

export type DeliveryHandler<T, C = never> = (delivery: Delivery<T, C>) => Promise<Settlement>;

/**
 * Where signals travel. Every signal is first written to the `tasker.queue_messages` outbox in
 * the same statement as the state change it announces, so no state change is ever lost: the
 * Postgres transport consumes the outbox directly; the RabbitMQ transport relays it to durable
 * queues and consumes those.
 */
export interface MessageTransport {
  readonly kind: "postgres" | "rabbitmq";
  consume<T, C = never>(
    queues: readonly string[],
    options: ConsumerOptions<C>,
    handler: DeliveryHandler<T, C>,
  ): Promise<Consumer>;
  /** Reachable and able to carry messages. */
  healthy(): Promise<boolean>;
  /** Messages waiting per queue, as the transport sees them (metrics, dashboards). */
  queueDepths(): Promise<QueueDepth[]>;
  close(): Promise<void>;
}
