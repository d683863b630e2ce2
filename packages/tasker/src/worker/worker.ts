import { hostname } from "node:os";
import type { Logger } from "../observability/logger.js";
import { namespaceQueue, ORCHESTRATION_QUEUE, type StepMessage } from "../queue/queue-names.js";
import { Waker } from "../queue/waker.js";
import type { Database } from "../store/database.js";
import {
  ackMessages,
  extendVisibility,
  QUEUE_CHANNEL,
  type QueueMessage,
  receiveMessages,
  releaseMessages,
} from "../store/sql/queue.js";
import { type ClaimedStep, claimStep, extendClaims, transitionSteps } from "../store/sql/steps.js";
import type { HandlerRegistry } from "./handler-registry.js";
import { type AttemptOutcome, runHandler } from "./run-handler.js";

export interface WorkerOptions {
  workerId?: string;
  /** Namespaces whose queues this worker serves. */
  namespaces: string[];
  /** Steps run at once (default 10). */
  concurrency?: number;
  /** Messages read per round trip (default 10, never more than free slots). */
  batchSize?: number;
  /** Claim lease / message visibility: a dead worker's steps come back after this long. */
  leaseSeconds?: number;
  /** Fallback poll when no NOTIFY arrives. */
  pollIntervalMs?: number;
  /** How long stop() waits for running steps before releasing them. */
  shutdownTimeoutMs?: number;
}

export interface WorkerStatus {
  workerId: string;
  running: boolean;
  namespaces: string[];
  queues: string[];
  handlers: string[];
  inFlight: number;
  completed: number;
  failed: number;
  startedAt: string | null;
}

interface InFlight {
  msg: QueueMessage<StepMessage>;
  stepUuid?: string;
  done: Promise<void>;
}

/**
 * Serves the step queues of its namespaces: claims steps (guarded), runs their handlers with a
 * concurrency limit and per-step timeouts, stores results and signals the orchestrator.
 */
export class Worker {
  readonly workerId: string;
  private readonly opts: Required<Omit<WorkerOptions, "workerId">>;
  private readonly queues: string[];
  private running = false;
  private loop: Promise<void> | undefined;
  private heartbeat: NodeJS.Timeout | undefined;
  private unlisten: (() => Promise<void>) | undefined;
  private readonly waker = new Waker();
  private readonly inFlight = new Set<InFlight>();
  private readonly shutdown = new AbortController();
  private completed = 0;
  private failed = 0;
  private startedAt: Date | null = null;

  constructor(
    private readonly db: Database,
    private readonly registry: HandlerRegistry,
    private readonly logger: Logger,
    options: WorkerOptions,
  ) {
    this.workerId =
      options.workerId ?? `${hostname()}-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
    this.opts = {
      namespaces: options.namespaces,
      concurrency: options.concurrency ?? 10,
      batchSize: options.batchSize ?? 10,
      leaseSeconds: options.leaseSeconds ?? 30,
      pollIntervalMs: options.pollIntervalMs ?? 1000,
      shutdownTimeoutMs: options.shutdownTimeoutMs ?? 30_000,
    };
    this.queues = options.namespaces.map(namespaceQueue);
  }

  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    this.startedAt = new Date();
    await this.db.query(
      `INSERT INTO tasker.workers (worker_id, namespaces, hostname, pid) VALUES ($1, $2, $3, $4)
       ON CONFLICT (worker_id) DO UPDATE SET namespaces = EXCLUDED.namespaces, started_at = now(),
         last_heartbeat_at = now(), status = 'running'`,
      [this.workerId, this.opts.namespaces, hostname(), process.pid],
    );
    this.unlisten = await this.db.listen(QUEUE_CHANNEL, (queue) => {
      if (this.queues.includes(queue)) this.waker.wake();
    });
    const beatMs = Math.max(250, (this.opts.leaseSeconds * 1000) / 3);
    this.heartbeat = setInterval(() => void this.beat(), beatMs);
    this.heartbeat.unref();
    this.loop = this.run();
    this.logger.info({ worker_id: this.workerId, namespaces: this.opts.namespaces }, "worker started");
  }

  /** Stops taking work, waits for running steps (up to the grace period), releases the rest. */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.waker.wake();
    await this.loop;
    const all = Promise.all([...this.inFlight].map((f) => f.done));
    const graceful = await Promise.race([
      all.then(() => true),
      new Promise<false>((r) => setTimeout(() => r(false), this.opts.shutdownTimeoutMs).unref()),
    ]);
    if (!graceful) {
      // Handlers see the abort; their steps are handed back instead of being failed.
      this.shutdown.abort(new Error("worker shutting down"));
      await all;
    }
    clearInterval(this.heartbeat);
    await this.unlisten?.();
    await this.db
      .query("UPDATE tasker.workers SET status = 'stopped', last_heartbeat_at = now() WHERE worker_id = $1", [
        this.workerId,
      ])
      .catch(() => undefined);
    this.logger.info(
      { worker_id: this.workerId, completed: this.completed, failed: this.failed },
      "worker stopped",
    );
  }

  status(): WorkerStatus {
    return {
      workerId: this.workerId,
      running: this.running,
      namespaces: this.opts.namespaces,
      queues: this.queues,
      handlers: this.registry.callables(),
      inFlight: this.inFlight.size,
      completed: this.completed,
      failed: this.failed,
      startedAt: this.startedAt?.toISOString() ?? null,
    };
  }

  private async run(): Promise<void> {
    let backoffMs = 100;
    while (this.running) {
      const free = this.opts.concurrency - this.inFlight.size;
      if (free <= 0) {
        await this.waker.wait(this.opts.pollIntervalMs);
        continue;
      }
      try {
        const messages = await receiveMessages<StepMessage>(
          this.db,
          this.queues,
          Math.min(free, this.opts.batchSize),
          this.opts.leaseSeconds,
        );
        backoffMs = 100;
        for (const msg of messages) this.track(msg);
        if (messages.length === 0) await this.waker.wait(this.opts.pollIntervalMs);
      } catch (err) {
        this.logger.error({ err: (err as Error).message, retry_in_ms: backoffMs }, "worker poll failed");
        await this.waker.wait(backoffMs);
        backoffMs = Math.min(backoffMs * 2, 5000);
      }
    }
  }

  private track(msg: QueueMessage<StepMessage>): void {
    const entry: InFlight = { msg, done: Promise.resolve() };
    entry.done = this.process(entry)
      .catch((err) =>
        this.logger.error(
          { err: (err as Error).message, task_uuid: msg.message.task_uuid, step_uuid: msg.message.step_uuid },
          "step processing failed; the message will be redelivered",
        ),
      )
      .finally(() => {
        this.inFlight.delete(entry);
        this.waker.wake();
      });
    this.inFlight.add(entry);
  }

  private async process(entry: InFlight): Promise<void> {
    const { msg } = entry;
    const claim = await claimStep(this.db, msg.message.step_uuid, this.workerId, this.opts.leaseSeconds);
    if (claim === undefined) await ackMessages(this.db, [msg.msgId]); // a duplicate or stale signal
    if (claim === undefined || claim === "busy") return;
    entry.stepUuid = claim.workflow_step_uuid;
    const log = this.logger.child({
      task_uuid: claim.task_uuid,
      step_uuid: claim.workflow_step_uuid,
      step: claim.name,
      attempt: claim.attempts,
    });
    const outcome = await this.execute(claim, log);
    if (!outcome.ok && this.shutdown.signal.aborted) {
      await this.release(claim, msg);
      return;
    }
    await this.storeOutcome(claim, msg, outcome, log);
  }

  private async execute(claim: ClaimedStep, log: Logger): Promise<AttemptOutcome> {
    const handler = this.registry.get(claim.handler_callable);
    if (!handler) {
      return {
        ok: false,
        error: {
          message: `no handler is registered for callable "${claim.handler_callable}" on worker ${this.workerId}; register it (registered: ${this.registry.callables().join(", ") || "none"})`,
          code: "handler_missing",
          retryable: false,
          kind: "handler_missing",
          metadata: null,
          retry_after_ms: null,
        },
      };
    }
    log.debug("running step");
    return runHandler(
      handler,
      {
        taskUuid: claim.task_uuid,
        stepUuid: claim.workflow_step_uuid,
        stepName: claim.name,
        taskName: claim.task_name,
        namespace: claim.namespace,
        version: claim.version,
        correlationId: claim.correlation_id,
        input: claim.context,
        dependencyResults: claim.dependency_results,
        attempt: claim.attempts,
        maxAttempts: claim.max_attempts,
        initialization: claim.initialization,
        logger: log,
      },
      claim.timeout_seconds,
      this.shutdown.signal,
    );
  }

  /** Result + ack + signal in one transaction; only the claim holder of this attempt may write. */
  private async storeOutcome(
    claim: ClaimedStep,
    msg: QueueMessage<StepMessage>,
    outcome: AttemptOutcome,
    log: Logger,
  ): Promise<void> {
    // One statement: store the outcome (only if this attempt still holds the claim), record the
    // transition, ack the message and signal the orchestrator - all or nothing.
    const moved = await transitionSteps(this.db, {
      uuids: [claim.workflow_step_uuid],
      event: outcome.ok ? "succeed" : "fail",
      where: "s.claimed_by = $6 AND s.attempts = $7",
      set: outcome.ok
        ? "results = $8::jsonb, error = NULL, claimed_by = NULL, claim_expires_at = NULL"
        : "error = $8::jsonb, claimed_by = NULL, claim_expires_at = NULL, last_failure_at = now()",
      params: [
        this.workerId,
        claim.attempts,
        JSON.stringify(outcome.ok ? outcome.result : outcome.error),
        msg.msgId,
        claim.correlation_id,
      ],
      metadata: { worker_id: this.workerId },
      also: [
        "ack AS (DELETE FROM tasker.queue_messages WHERE msg_id = $9::bigint AND EXISTS (SELECT 1 FROM upd))",
        `signal AS (
           INSERT INTO tasker.queue_messages (queue_name, message)
           SELECT '${ORCHESTRATION_QUEUE}', jsonb_build_object('kind', 'step_result', 'task_uuid', task_uuid,
                  'step_uuid', workflow_step_uuid, 'correlation_id', $10::text)
             FROM upd
           RETURNING pg_notify('${QUEUE_CHANNEL}', '${ORCHESTRATION_QUEUE}'))`,
      ],
    });
    const stored = moved.length > 0;
    if (!stored) {
      log.warn("result discarded: this worker's claim expired and the step was taken over");
      return;
    }
    if (outcome.ok) {
      this.completed++;
      log.debug("step succeeded");
    } else {
      this.failed++;
      log.info({ error: outcome.error.message, code: outcome.error.code }, "step attempt failed");
    }
  }

  /** Hands a step back on shutdown: it did not finish, so the attempt does not count. */
  private async release(claim: ClaimedStep, msg: QueueMessage<StepMessage>): Promise<void> {
    await this.db.transaction(async (tx) => {
      await transitionSteps(tx, {
        uuids: [claim.workflow_step_uuid],
        event: "claim_expired",
        where: "s.claimed_by = $6",
        set: "claimed_by = NULL, claim_expires_at = NULL, attempts = greatest(s.attempts - 1, 0)",
        params: [this.workerId],
        metadata: { reason: "worker shutdown released the step", worker_id: this.workerId },
      });
      await releaseMessages(tx, [msg.msgId]);
    });
  }

  private async beat(): Promise<void> {
    const entries = [...this.inFlight];
    try {
      await extendVisibility(
        this.db,
        entries.map((e) => e.msg.msgId),
        this.opts.leaseSeconds,
      );
      await extendClaims(
        this.db,
        entries.flatMap((e) => (e.stepUuid ? [e.stepUuid] : [])),
        this.workerId,
        this.opts.leaseSeconds,
      );
      await this.db.query("UPDATE tasker.workers SET last_heartbeat_at = now() WHERE worker_id = $1", [
        this.workerId,
      ]);
    } catch (err) {
      this.logger.warn({ err: (err as Error).message }, "worker heartbeat failed");
    }
  }
}
