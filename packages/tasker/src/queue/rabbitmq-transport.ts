import amqplib, { type Channel, type ChannelModel, type ConfirmChannel, type ConsumeMessage } from "amqplib";
import type { Logger } from "../observability/logger.js";
import type { Database } from "../store/database.js";
import { QUEUE_CHANNEL, type QueueDepth, queueDepths, takeDueMessages } from "../store/sql/queue.js";
import {
  type Consumer,
  type ConsumerOptions,
  type Delivery,
  type DeliveryHandler,
  type MessageTransport,
  RETRY_SOON_MS,
  type Settlement,
} from "./transport.js";
import { Waker } from "./waker.js";

export const DEFAULT_RABBITMQ_URL = "amqp://guest:guest@127.0.0.1:5672";

export interface RabbitMqOptions {
  url?: string;
  /** Prepended to every queue name; default `tasker.<deployment id>.` (unique per database). */
  queuePrefix?: string;
  /** Deliveries of one message before it is dead-lettered to `<queue>.dead` (poison messages). */
  deliveryLimit?: number;
  /** Delete queues unused this long (x-expires); for test runs. Default: never. */
  queueExpiresMs?: number;
  /** How often the outbox relay looks for due (delayed) messages without a wake-up. */
  relayPollIntervalMs?: number;
}

type Registered = {
  queues: string[];
  options: { prefetch: number };
  onMessage: (channel: Channel, queue: string, msg: ConsumeMessage) => void;
  channel?: Channel;
  tags: string[];
  receiving: boolean;
};

/**
 * RabbitMQ as the signal transport. The database stays the source of truth: signals are written
 * to the `tasker.queue_messages` outbox with the state change, and a relay moves due rows to
 * durable quorum queues with publisher confirms (a row is deleted only once the broker confirmed
 * it). Consumers ack manually after their database work committed, with prefetch = concurrency.
 * The connection recovers with backoff; consumers and topology are re-created on reconnect.
 */
export class RabbitMqTransport implements MessageTransport {
  readonly kind = "rabbitmq" as const;
  private connection!: Awaited<ReturnType<typeof connectRecovering>>;
  private publisher: ConfirmChannel | undefined;
  private readonly asserted = new Set<string>();
  private readonly consumers = new Set<Registered>();
  private readonly relayWaker = new Waker();
  private relayLoop: Promise<void> | undefined;
  private unlisten: (() => Promise<void>) | undefined;
  private closed = false;
  private connected = false;

  private constructor(
    private readonly db: Database,
    private readonly logger: Logger,
    private readonly options: Required<Omit<RabbitMqOptions, "queueExpiresMs">> & { queueExpiresMs?: number },
  ) {}

  static async open(db: Database, logger: Logger, options: RabbitMqOptions = {}): Promise<RabbitMqTransport> {
    const prefix =
      options.queuePrefix ??
      `tasker.${(await db.query<{ id: string }>("SELECT deployment_id::text AS id FROM tasker.deployment"))[0]?.id.slice(0, 8) ?? "default"}.`;
    const transport = new RabbitMqTransport(db, logger.child({ component: "rabbitmq" }), {
      url: options.url ?? DEFAULT_RABBITMQ_URL,
      queuePrefix: prefix,
      deliveryLimit: options.deliveryLimit ?? 20,
      relayPollIntervalMs: options.relayPollIntervalMs ?? 500,
      ...(options.queueExpiresMs ? { queueExpiresMs: options.queueExpiresMs } : {}),
    });
    await transport.connect();
    return transport;
  }

  private async connect(): Promise<void> {
    this.connection = await connectRecovering(this.options.url, async (model) =>
      this.onConnected(model),
    ).catch((err: Error) => {
      throw new Error(
        `could not connect to RabbitMQ at ${redactUrl(this.options.url)} (${err.message}); start the broker or point RABBITMQ_URL at it, or use the Postgres queues (TASKER_MESSAGING_BACKEND=postgres)`,
      );
    });
    this.connection.on("disconnect", (err: Error) => {
      this.connected = false;
      this.publisher = undefined;
      this.asserted.clear();
      for (const c of this.consumers) {
        c.channel = undefined;
        c.tags = [];
      }
      this.logger.warn({ err: err?.message }, "RabbitMQ connection lost; reconnecting with backoff");
    });
    this.connection.on("error", (err: Error) =>
      this.logger.warn({ err: err.message }, "RabbitMQ connection error"),
    );
    this.unlisten = await this.db.listen(QUEUE_CHANNEL, () => this.relayWaker.wake());
    this.relayLoop = this.relay();
  }

  /** Runs after every (re)connect: a publisher channel and every registered consumer. */
  private async onConnected(model: ChannelModel): Promise<void> {
    this.asserted.clear();
    this.publisher = await model.createConfirmChannel();
    for (const c of this.consumers) if (c.receiving) await this.startConsumer(model, c);
    this.connected = true;
    this.relayWaker.wake();
    this.logger.info("RabbitMQ connected");
  }

  private async assertQueue(channel: Channel, name: string): Promise<string> {
    const full = `${this.options.queuePrefix}${name}`;
    if (this.asserted.has(full)) return full;
    const dead = `${full}.dead`;
    await channel.assertQueue(dead, {
      durable: true,
      ...(this.options.queueExpiresMs ? { arguments: { "x-expires": this.options.queueExpiresMs } } : {}),
    });
    await channel.assertQueue(full, {
      durable: true,
      arguments: {
        "x-queue-type": "quorum",
        "x-delivery-limit": this.options.deliveryLimit,
        "x-dead-letter-exchange": "",
        "x-dead-letter-routing-key": dead,
        ...(this.options.queueExpiresMs ? { "x-expires": this.options.queueExpiresMs } : {}),
      },
    });
    this.asserted.add(full);
    return full;
  }

  /** Moves due outbox rows to RabbitMQ; a row is deleted in the same transaction once confirmed. */
  private async relay(): Promise<void> {
    let backoffMs = 100;
    while (!this.closed) {
      let moved = 0;
      try {
        if (this.publisher && this.connected) moved = await this.relayOnce(this.publisher);
        backoffMs = 100;
      } catch (err) {
        this.logger.warn(
          { err: (err as Error).message, retry_in_ms: backoffMs },
          "outbox relay failed; rows stay in the outbox",
        );
        await this.relayWaker.wait(backoffMs);
        backoffMs = Math.min(backoffMs * 2, 5000);
        continue;
      }
      // A short batch drained the outbox: wait for a NOTIFY (one that came meanwhile is kept).
      if (moved < RELAY_BATCH) await this.relayWaker.wait(this.options.relayPollIntervalMs);
    }
  }

  private async relayOnce(channel: ConfirmChannel): Promise<number> {
    // The rows are deleted first and restored by the rollback if the broker does not confirm.
    return this.db.transaction(async (tx) => {
      const rows = await takeDueMessages(tx, RELAY_BATCH);
      if (rows.length === 0) return 0;
      for (const row of rows) {
        const queue = await this.assertQueue(channel, row.queue_name);
        channel.sendToQueue(queue, Buffer.from(JSON.stringify(row.message)), {
          persistent: true,
          contentType: "application/json",
          messageId: row.msg_id,
        });
      }
      await channel.waitForConfirms();
      return rows.length;
    });
  }

  async consume<T, C = never>(
    queues: readonly string[],
    options: ConsumerOptions<C>,
    handler: DeliveryHandler<T, C>,
  ): Promise<Consumer> {
    const inflight = new Set<Promise<void>>();
    let drainWaiters: (() => void)[] = [];
    const reg: Registered = {
      queues: [...queues],
      options,
      tags: [],
      receiving: true,
      onMessage: (channel, queue, msg) => {
        const done = this.handleMessage(channel, queue, msg, options, handler).finally(() => {
          inflight.delete(done);
          if (inflight.size === 0) {
            const waiters = drainWaiters;
            drainWaiters = [];
            for (const w of waiters) w();
          }
        });
        inflight.add(done);
      },
    };
    this.consumers.add(reg);
    if (this.connected) await this.withModel((model) => this.startConsumer(model, reg));
    return {
      stopReceiving: async () => {
        reg.receiving = false;
        const channel = reg.channel;
        for (const tag of reg.tags) await channel?.cancel(tag).catch(() => undefined);
        reg.tags = [];
      },
      drained: () =>
        inflight.size === 0 ? Promise.resolve() : new Promise<void>((r) => drainWaiters.push(r)),
      inFlight: () => inflight.size,
      // Unacked messages never time out by visibility here; they return only if the channel closes.
      extendInFlight: async () => undefined,
    };
  }

  private async withModel(fn: (model: ChannelModel) => Promise<void>): Promise<void> {
    // The recovering connection exposes createChannel directly; treat it as the model.
    await fn(this.connection as unknown as ChannelModel);
  }

  private async startConsumer(model: ChannelModel, reg: Registered): Promise<void> {
    const channel = await model.createChannel();
    await channel.prefetch(reg.options.prefetch);
    reg.channel = channel;
    reg.tags = [];
    for (const queue of reg.queues) {
      const full = await this.assertQueue(channel, queue);
      const { consumerTag } = await channel.consume(full, (msg) => {
        if (msg) reg.onMessage(channel, queue, msg);
      });
      reg.tags.push(consumerTag);
    }
  }

  private async handleMessage<T, C>(
    channel: Channel,
    queue: string,
    msg: ConsumeMessage,
    options: ConsumerOptions<C>,
    handler: DeliveryHandler<T, C>,
  ): Promise<void> {
    let message: T;
    try {
      message = JSON.parse(msg.content.toString("utf8")) as T;
    } catch {
      this.logger.error({ queue }, "unparseable message dead-lettered");
      safe(() => channel.nack(msg, false, false));
      return;
    }
    const count = Number(msg.properties.headers?.["x-delivery-count"] ?? (msg.fields.redelivered ? 1 : 0));
    let settlement: Settlement;
    try {
      settlement = await handler({
        queue,
        message,
        outboxMsgId: null,
        redeliveries: count,
      } satisfies Delivery<T, C>);
    } catch (err) {
      this.logger.error(
        { err: (err as Error).message, queue },
        "message handler failed; it will be redelivered",
      );
      settlement = "retry_later";
    }
    if (settlement === "ack" || settlement === "acked_in_database") safe(() => channel.ack(msg));
    else if (settlement === "release") safe(() => channel.nack(msg, false, true));
    else {
      // Hold it for a visibility period, then hand it back (the lease it waits on may expire).
      const holdMs = settlement === "retry_soon" ? RETRY_SOON_MS : options.visibilitySeconds * 1000;
      await new Promise((r) => setTimeout(r, holdMs).unref());
      safe(() => channel.nack(msg, false, true));
    }
  }

  /**
   * Broker-side depth of every queue this process has used, plus what still waits in the outbox
   * (delayed retries, or rows not yet relayed), named without the deployment prefix.
   */
  async queueDepths(): Promise<QueueDepth[]> {
    const outbox = await queueDepths(this.db);
    const byQueue = new Map(outbox.map((d) => [d.queue, { ...d }]));
    if (this.connected) {
      // A passive check of a missing queue closes its channel: never use the relay's channel.
      const channel = await this.connection.createChannel();
      channel.on("error", () => undefined);
      for (const full of this.asserted) {
        const name = full.slice(this.options.queuePrefix.length);
        if (name.endsWith(".dead")) continue;
        const ok = await channel.checkQueue(full).catch(() => undefined);
        if (!ok) continue;
        const entry = byQueue.get(name) ?? { queue: name, depth: 0, visible: 0, oldestAgeSeconds: 0 };
        entry.depth += ok.messageCount;
        entry.visible += ok.messageCount;
        byQueue.set(name, entry);
      }
      await channel.close().catch(() => undefined);
    }
    return [...byQueue.values()].sort((a, b) => a.queue.localeCompare(b.queue));
  }

  async healthy(): Promise<boolean> {
    return this.connected && !this.closed;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.relayWaker.wake();
    await this.relayLoop;
    await this.unlisten?.();
    await this.connection.close().catch(() => undefined);
  }
}

/** A channel closed under us has already returned its unacked messages to the queue. */
function safe(fn: () => void): void {
  try {
    fn();
  } catch {
    /* channel gone: the broker requeues unacked messages by itself */
  }
}

/** Outbox rows relayed per transaction. */
const RELAY_BATCH = 500;

/** The URL without its password, for messages and logs. */
function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = "***";
    return u.toString();
  } catch {
    return "(unparseable RABBITMQ_URL)";
  }
}

function connectRecovering(url: string, setup: (model: ChannelModel) => Promise<void>) {
  return amqplib.connect(url, {
    // amqplib leaves Nagle's algorithm on: a small frame (publish, ack) written while the previous
    // one is unacknowledged then waits for the broker's delayed ACK, on every hop of a signal
    // (bench/LOG.md, "RabbitMQ transport"). Signals are small and latency-bound: send at once.
    noDelay: true,
    recovery: { initialDelay: 100, maxDelay: 5000, factor: 2, jitter: 0.2, initialMaxRetries: 5, setup },
  });
}
