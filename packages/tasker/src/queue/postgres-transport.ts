import type { Logger } from "../observability/logger.js";
import type { Database } from "../store/database.js";
import {
  ackMessages,
  extendVisibility,
  QUEUE_CHANNEL,
  type QueueMessage,
  queueDepths,
  receiveMessages,
  releaseMessages,
} from "../store/sql/queue.js";
import { CountedSet } from "./counted-set.js";
import {
  type Consumer,
  type ConsumerOptions,
  type Delivery,
  type DeliveryHandler,
  type MessageTransport,
  RETRY_SOON_MS,
  type ReceivedMessage,
  type Settlement,
} from "./transport.js";
import { Waker } from "./waker.js";

/**
 * Queues as rows: read with FOR UPDATE SKIP LOCKED and a visibility timeout, woken by
 * LISTEN/NOTIFY with a polling fallback. Works the same on PGlite and on a server.
 */
export class PostgresTransport implements MessageTransport {
  readonly kind = "postgres" as const;

  constructor(
    private readonly db: Database,
    private readonly logger: Logger,
  ) {}

  async consume<T, C = never>(
    queues: readonly string[],
    options: ConsumerOptions<C>,
    handler: DeliveryHandler<T, C>,
  ): Promise<Consumer> {
    const consumer = new PostgresConsumer<T, C>(this.db, this.logger, [...queues], options, handler);
    await consumer.start();
    return consumer;
  }

  async healthy(): Promise<boolean> {
    return this.db.query("SELECT 1 FROM tasker.queue_messages LIMIT 1").then(
      () => true,
      () => false,
    );
  }

  queueDepths() {
    return queueDepths(this.db);
  }

  async close(): Promise<void> {}
}

class PostgresConsumer<T, C> implements Consumer {
  private running = false;
  private loop: Promise<void> | undefined;
  private unlisten: (() => Promise<void>) | undefined;
  /** Woken by a NOTIFY for one of the queues. */
  private readonly waker = new Waker();
  /** Woken when a handler finishes while every slot was taken. */
  private readonly slotFreed = new Waker();
  /** Messages whose handler runs, by id (one redelivered to this consumer while running counts twice). */
  private readonly inflight = new CountedSet<string>();
  /** Slots taken for work without a message (see borrowSlot). */
  private borrowed = 0;
  private drainWaiters: (() => void)[] = [];

  constructor(
    private readonly db: Database,
    private readonly logger: Logger,
    private readonly queues: string[],
    private readonly options: ConsumerOptions<C>,
    private readonly handler: DeliveryHandler<T, C>,
  ) {}

  async start(): Promise<void> {
    this.running = true;
    this.unlisten = await this.db.listen(QUEUE_CHANNEL, (queue) => {
      if (this.queues.includes(queue)) this.waker.wake();
    });
    this.loop = this.run();
  }

  async stopReceiving(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.waker.wake();
    this.slotFreed.wake();
    await this.loop;
    await this.unlisten?.();
  }

  drained(): Promise<void> {
    if (this.inFlight() === 0) return Promise.resolve();
    return new Promise((resolve) => this.drainWaiters.push(resolve));
  }

  inFlight(): number {
    return this.inflight.size + this.borrowed;
  }

  wake(): void {
    this.waker.wake();
  }

  borrowSlot(): (() => void) | undefined {
    if (!this.running || this.inFlight() >= this.options.prefetch) return undefined;
    this.borrowed++;
    let freed = false;
    return () => {
      if (freed) return;
      freed = true;
      this.borrowed--;
      this.slotFreed.wake();
      this.wakeDrainWaiters();
    };
  }

  private wakeDrainWaiters(): void {
    if (this.inFlight() === 0) for (const w of this.drainWaiters.splice(0)) w();
  }

  async extendInFlight(): Promise<void> {
    await extendVisibility(this.db, this.inflight.keys(), this.options.visibilitySeconds);
  }

  private async run(): Promise<void> {
    let backoffMs = 100;
    while (this.running) {
      const free = this.options.prefetch - this.inFlight();
      if (free <= 0) {
        await this.slotFreed.wait(this.options.pollIntervalMs);
        continue;
      }
      try {
        const limit = Math.min(free, this.options.batchSize);
        const messages: ReceivedMessage<C | undefined>[] = this.options.receive
          ? await this.options.receive(this.queues, limit, this.options.visibilitySeconds)
          : (await receiveMessages(this.db, this.queues, limit, this.options.visibilitySeconds)).map(
              (message) => ({ message, claimed: undefined }),
            );
        backoffMs = 100;
        for (const m of messages) this.dispatch(m.message as QueueMessage<T>, m.claimed);
        // Fewer than asked for: the queue is drained, so sleep until a NOTIFY (one that came in
        // meanwhile is remembered) instead of reading it empty again.
        if (messages.length < limit) await this.waker.wait(this.options.pollIntervalMs);
      } catch (err) {
        // The database went away (restart, network): keep trying with backoff, never crash.
        this.logger.error({ err: (err as Error).message, retry_in_ms: backoffMs }, "queue read failed");
        await this.waker.wait(backoffMs);
        backoffMs = Math.min(backoffMs * 2, 5000);
      }
    }
  }

  private dispatch(m: QueueMessage<T>, claimed: C | undefined): void {
    const delivery: Delivery<T, C> = {
      queue: m.queueName,
      message: m.message,
      claimed,
      outboxMsgId: m.msgId,
      redeliveries: m.readCount - 1,
    };
    this.inflight.add(m.msgId);
    void this.handler(delivery)
      .catch((err) => {
        this.logger.error(
          { err: (err as Error).message, queue: m.queueName },
          "message handler failed; it will be redelivered",
        );
        return "retry_later" as Settlement;
      })
      .then((settlement) => this.settle(m.msgId, settlement))
      .catch((err) =>
        this.logger.warn(
          { err: (err as Error).message },
          "could not settle a message; it will be redelivered",
        ),
      )
      .finally(() => {
        this.inflight.delete(m.msgId);
        this.slotFreed.wake();
        this.wakeDrainWaiters();
      });
  }

  private async settle(msgId: string, settlement: Settlement): Promise<void> {
    if (settlement === "ack") await ackMessages(this.db, [msgId]);
    else if (settlement === "release") await releaseMessages(this.db, [msgId]);
    else if (settlement === "retry_soon") await extendVisibility(this.db, [msgId], RETRY_SOON_MS / 1000);
    // acked_in_database: already gone; retry_later: reappears when its visibility timeout ends.
  }
}
