import { setMaxListeners } from "node:events";
import { hostname } from "node:os";
import { settleBatchFailure } from "../lifecycle/batch-failures.js";
import type { AttemptOutcome } from "../lifecycle/decide-outcome.js";
import { defineLazy, HandedOn } from "../lifecycle/handed-on.js";
import { OutcomeStore } from "../lifecycle/outcome-store.js";
import type { StepTypeOf } from "../lifecycle/step-types.js";
import type { ContinueWith } from "../lifecycle/store-outcomes.js";
import { batchConfigOf } from "../model/batch-outcome.js";
import { DEFAULT_MAX_RESULT_BYTES } from "../model/result-limits.js";
import { lazyChild } from "../observability/lazy-child.js";
import type { Logger } from "../observability/logger.js";
import type { MetricsSink } from "../observability/metrics-sink.js";
import type { WorkerSlot } from "../orchestrator/create-task.js";
import { CountedSet } from "../queue/counted-set.js";
import { checkStepMessage } from "../queue/message-schemas.js";
import { namespaceQueue, type StepMessage } from "../queue/queue-names.js";
import type { Consumer, Delivery, MessageTransport, Settlement } from "../queue/transport.js";
import type { Database } from "../store/database.js";
import { saveCheckpoint, selectCheckpoint } from "../store/sql/checkpoints.js";
import { receiveAndClaimSteps } from "../store/sql/receive-and-claim.js";
import { type ClaimedStep, claimStep, extendClaims } from "../store/sql/steps.js";
import { releaseClaim } from "../store/sql/transition-steps.js";
import { registerWorker, setWorkerStatus, touchWorker } from "../store/sql/workers.js";
import { checkpointer } from "./checkpointer.js";
import type { HandlerRegistry } from "./handler-registry.js";
import { type ResultLimits, runHandler } from "./run-handler.js";

/**
 * What claiming a delivery's step as it was read gave (queue tables): the step, `busy` when
 * another worker holds it, `locked` when a transaction is writing its row right now, `stale` when
 * there is nothing to claim.
 */
type ClaimedOnReceipt = ClaimedStep | "busy" | "locked" | "stale";

/** The step a worker goes on with, and what the step before it handed on (when built from it). */
interface NextStep {
  step: ClaimedStep;
  handedOn: HandedOn | undefined;
}

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
  /** Random spread added to retry backoffs, in percent (default 10). */
  jitterPercent?: number;
  /**
   * Transactions storing successful outcomes at once (default 2). Outcomes that finish while all
   * of them are under way are stored together in the next one (group commit).
   */
  writeConcurrency?: number;
  /**
   * The largest result or error a handler may produce, in bytes of UTF-8 JSON (default 4 MiB). One
   * over it fails its step at once with a permanent `result_too_large` error.
   */
  maxResultBytes?: number;
}

/** A worker's identity, namespaces, handlers and counters. */
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

/**
 * Serves the step queues of its namespaces: claims steps (guarded), runs their handlers with a
 * concurrency limit and per-step timeouts, stores each outcome and advances its task in the same
 * transaction (dispatching the steps that became ready).
 */
export class Worker {
  readonly workerId: string;
  private readonly opts: Required<Omit<WorkerOptions, "workerId">>;
  private readonly limits: Readonly<ResultLimits>;
  /** How this worker goes straight on with a step its result made ready (see ContinueWith). */
  private continueWith: ContinueWith | undefined;
  /** Where outcomes are stored (group commit for successes). */
  private readonly outcomes: OutcomeStore;
  private readonly queues: string[];
  private running = false;
  private consumer: Consumer | undefined;
  private heartbeat: NodeJS.Timeout | undefined;
  /** Steps this worker holds a claim on right now, extended by the heartbeat (see CountedSet: a step it took over from itself counts twice). */
  private readonly claimed = new CountedSet<string>();
  private readonly shutdown = new AbortController();
  private completed = 0;
  private failed = 0;
  private startedAt: Date | null = null;

  constructor(
    private readonly db: Database,
    private readonly transport: MessageTransport,
    private readonly registry: HandlerRegistry,
    private readonly logger: Logger,
    options: WorkerOptions,
    metrics?: MetricsSink,
    /** Finds a claimed step's type (see OutcomeStoreOptions.stepTypeOf). */
    stepTypeOf?: StepTypeOf,
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
      jitterPercent: options.jitterPercent ?? 10,
      writeConcurrency: options.writeConcurrency ?? 2,
      maxResultBytes: options.maxResultBytes ?? DEFAULT_MAX_RESULT_BYTES,
    };
    if (!Number.isSafeInteger(this.opts.maxResultBytes) || this.opts.maxResultBytes < 1) {
      throw new Error(
        `maxResultBytes must be a positive whole number of bytes (got ${this.opts.maxResultBytes}); the default is ${DEFAULT_MAX_RESULT_BYTES}`,
      );
    }
    this.limits = Object.freeze({ maxResultBytes: this.opts.maxResultBytes });
    this.queues = options.namespaces.map(namespaceQueue);
    // Each running handler listens for the shutdown: up to `concurrency` at once is expected.
    setMaxListeners(this.opts.concurrency + 10, this.shutdown.signal);
    this.outcomes = new OutcomeStore(db, {
      jitterPercent: this.opts.jitterPercent,
      writeConcurrency: this.opts.writeConcurrency,
      maxBatch: this.opts.concurrency,
      shutdown: this.shutdown.signal,
      metrics,
      logger,
      stepTypeOf,
    });
  }

  /** How this worker goes on with a step its outcome made ready: with one it has the handler for. */
  private continuation(): ContinueWith {
    if (this.continueWith?.handlers.length !== this.registry.size) {
      this.continueWith = { leaseSeconds: this.opts.leaseSeconds, handlers: this.registry.callables() };
    }
    return this.continueWith;
  }

  /** Registers the worker in `tasker.workers` and starts consuming its namespaces' queues. */
  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    this.startedAt = new Date();
    await registerWorker(this.db, {
      workerId: this.workerId,
      namespaces: this.opts.namespaces,
      hostname: hostname(),
      pid: process.pid,
    });
    this.consumer = await this.transport.consume<StepMessage, ClaimedOnReceipt>(
      this.queues,
      {
        prefetch: this.opts.concurrency,
        visibilitySeconds: this.opts.leaseSeconds,
        pollIntervalMs: this.opts.pollIntervalMs,
        batchSize: this.opts.batchSize,
        // On the queue tables a delivery's step is claimed as it is read (one round trip fewer).
        receive:
          this.transport.kind === "postgres"
            ? async (queues, limit, visibilitySeconds) =>
                (
                  await receiveAndClaimSteps(this.db, {
                    queues,
                    limit,
                    visibilitySeconds,
                    workerId: this.workerId,
                    leaseSeconds: this.opts.leaseSeconds,
                  })
                ).map((r) => ({ message: r.message, claimed: r.claim ?? "stale" }))
            : undefined,
      },
      (delivery) => this.process(delivery),
    );
    const beatMs = Math.max(250, (this.opts.leaseSeconds * 1000) / 3);
    this.heartbeat = setInterval(() => void this.beat(), beatMs);
    this.heartbeat.unref();
    this.logger.info({ worker_id: this.workerId, namespaces: this.opts.namespaces }, "worker started");
  }

  /** Stops taking work, waits for running steps (up to the grace period), releases the rest. */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    const consumer = this.consumer;
    await consumer?.stopReceiving();
    const graceful = await Promise.race([
      (consumer?.drained() ?? Promise.resolve()).then(() => true),
      new Promise<false>((r) => setTimeout(() => r(false), this.opts.shutdownTimeoutMs).unref()),
    ]);
    if (!graceful) {
      // Handlers see the abort; their steps are handed back instead of being failed.
      this.shutdown.abort(new Error("worker shutting down"));
      await consumer?.drained();
    }
    clearInterval(this.heartbeat);
    await setWorkerStatus(this.db, this.workerId, "stopped").catch(() => undefined);
    this.logger.info(
      { worker_id: this.workerId, completed: this.completed, failed: this.failed },
      "worker stopped",
    );
  }

  /** What the worker serves and has done so far. */
  status(): WorkerStatus {
    return {
      workerId: this.workerId,
      running: this.running,
      namespaces: this.opts.namespaces,
      queues: this.queues,
      handlers: this.registry.callables(),
      inFlight: this.consumer?.inFlight() ?? 0,
      completed: this.completed,
      failed: this.failed,
      startedAt: this.startedAt?.toISOString() ?? null,
    };
  }

  /** One delivery: claim the step (unless it was claimed as it was read), run it, store the outcome. */
  private async process(delivery: Delivery<StepMessage, ClaimedOnReceipt>): Promise<Settlement> {
    const checked = checkStepMessage(delivery.message);
    if (!checked.ok) {
      // Unreachable (the read claims only for well-formed messages), but a claim must not be kept.
      const claimed = delivery.claimed;
      if (typeof claimed === "object") await this.release(claimed);
      this.logger.warn(
        { queue: delivery.queue, problem: checked.problem, message: checked.preview },
        "malformed step message dropped",
      );
      return "ack";
    }
    const signal = checked.message;
    const claim =
      delivery.claimed ??
      (await claimStep(this.db, signal.step_uuid, this.workerId, this.opts.leaseSeconds)) ??
      "stale";
    if (claim === "stale") {
      this.logger.info(
        { task_uuid: signal.task_uuid, step_uuid: signal.step_uuid },
        "duplicate or stale step message ignored",
      );
      return "ack";
    }
    if (claim === "busy") return "retry_later"; // another worker holds a live lease
    if (claim === "locked") return "retry_soon";
    return this.runChain(claim, delivery.outboxMsgId);
  }

  /**
   * Runs a claimed step, then the steps it continues with (claimed as each one's outcome was
   * stored) in the same slot; they carry no message. The settlement is the first step's.
   */
  private async runChain(step: ClaimedStep, outboxMsgId: string | null): Promise<Settlement> {
    const first = await this.runClaimed(step, outboxMsgId);
    const started = Date.now();
    let next = first.next;
    while (next) next = (await this.runClaimed(next.step, null, started, next.handedOn)).next;
    return first.settlement;
  }

  /**
   * A free slot for a step of `namespace` that a task's creation in this process claims for this
   * worker (see CreationClaim), or undefined when the worker is not running, does not serve the
   * namespace, or has no slot free. The slot counts against `concurrency` until the step is done.
   */
  reserveSlot(namespace: string): WorkerSlot | undefined {
    if (!this.running || !this.opts.namespaces.includes(namespace)) return undefined;
    const free = this.consumer?.borrowSlot?.();
    if (!free) return undefined;
    return {
      workerId: this.workerId,
      leaseSeconds: this.opts.leaseSeconds,
      canRun: (callable) => this.registry.has(callable),
      run: (step) => {
        this.runChain(step, null)
          .catch((err) =>
            // The claim stays until its lease ends; the lost-claim sweep then signals the step again.
            this.logger.error(
              { err: (err as Error).message, task_uuid: step.task_uuid, step_uuid: step.workflow_step_uuid },
              "running a step claimed at its task's creation failed; it runs again when its lease ends",
            ),
          )
          .finally(free);
      },
      release: free,
    };
  }

  /** Runs one claimed step and stores its outcome; returns the step it continues with, if any. */
  private async runClaimed(
    claim: ClaimedStep,
    outboxMsgId: string | null,
    chainStarted = Date.now(),
    /** What the step that ran before handed on to this one, when this one was built from it. */
    handedOn?: HandedOn,
  ): Promise<{ settlement: Settlement; next?: NextStep | undefined }> {
    this.claimed.add(claim.workflow_step_uuid);
    try {
      // Made when first used: a successful step at the default level logs nothing.
      const log = lazyChild(this.logger, {
        task_uuid: claim.task_uuid,
        step_uuid: claim.workflow_step_uuid,
        step: claim.name,
        attempt: claim.attempts,
      });
      // What the handler is given, as read (it may change its own copy): the step this one goes on
      // with is built from it (see ContinueWith.ran). A step built so came with it.
      const given = this.running
        ? (handedOn ?? HandedOn.of(claim.context, claim.dependency_results))
        : undefined;
      const ran = await this.execute(claim, log);
      if (!ran.ok && this.shutdown.signal.aborted) {
        await this.release(claim);
        return { settlement: "release" };
      }
      // An instance of a continue_on_failure batch that failed for good ends complete, saying so.
      const outcome = settleBatchFailure(claim, ran);
      // Go on with the task only while running, and not for ever: a chain keeps its first
      // delivery unsettled (RabbitMQ) and one slot busy.
      const mayContinue = this.running && Date.now() - chainStarted < (this.opts.leaseSeconds * 1000) / 2;
      const stored = await this.storeOutcome(
        claim,
        outboxMsgId,
        outcome,
        log,
        mayContinue ? given : undefined,
      );
      return stored ? { settlement: "acked_in_database", next: stored.next } : { settlement: "retry_later" };
    } finally {
      this.claimed.delete(claim.workflow_step_uuid);
    }
  }

  private async execute(claim: ClaimedStep, log: Logger): Promise<AttemptOutcome> {
    const handler = this.registry.get(claim.handler_callable);
    if (!handler) return this.registry.missing(claim.handler_callable, this.workerId);
    log.debug("running step");
    // A step claimed as its parent's outcome was stored comes without its checkpoint: only a step
    // that ran before can have one.
    const resumeFrom =
      claim.checkpoint !== undefined
        ? claim.checkpoint
        : claim.attempts > 1
          ? await selectCheckpoint(this.db, claim.workflow_step_uuid)
          : null;
    const ctx = {
      taskUuid: claim.task_uuid,
      stepUuid: claim.workflow_step_uuid,
      stepName: claim.name,
      taskName: claim.task_name,
      namespace: claim.namespace,
      version: claim.version,
      correlationId: claim.correlation_id,
      input: claim.context,
      dependencyResults: {},
      attempt: claim.attempts,
      maxAttempts: claim.max_attempts,
      initialization: claim.initialization,
      batchConfig: batchConfigOf(claim.initialization),
      logger: log,
      resumeFrom,
      checkpoint: checkpointer(claim.workflow_step_uuid, async (json) => {
        const saved = await saveCheckpoint(this.db, {
          stepUuid: claim.workflow_step_uuid,
          workerId: this.workerId,
          attempts: claim.attempts,
          checkpointJson: json,
          leaseSeconds: this.opts.leaseSeconds,
        });
        return saved.saved;
      }),
    };
    // Read from the claim when the handler reads them (a step built from the one before makes them
    // then: see builtNext).
    defineLazy(ctx, "dependencyResults", () => claim.dependency_results);
    return runHandler(handler, ctx, claim.timeout_seconds, this.shutdown.signal, this.limits);
  }

  /**
   * Stores the outcome and advances the task (see OutcomeStore); only the claim holder of this
   * attempt may write. Returns the step this worker goes on with, if any.
   */
  private async storeOutcome(
    claim: ClaimedStep,
    outboxMsgId: string | null,
    outcome: AttemptOutcome,
    log: Logger,
    /** What the handler was given (a copy): set when the worker may go on with another step. */
    given: HandedOn | undefined,
  ): Promise<{ next: NextStep | undefined } | undefined> {
    const stored = await this.outcomes.store({
      claim,
      step: claim,
      workerId: this.workerId,
      outboxMsgId,
      outcome,
      log,
      continueWith: given && { ...this.continuation(), ran: { step: claim, given } },
      retryForMs: (this.opts.leaseSeconds * 1000) / 2,
    });
    if (!stored) return undefined;
    if (stored.ok) {
      this.completed++;
      log.debug("step succeeded");
    } else {
      this.failed++;
      if (!outcome.ok)
        log.info({ error: outcome.error.message, code: outcome.error.code }, "step attempt failed");
    }
    const { next, nextHandedOn } = stored.stored;
    return { next: next && { step: next, handedOn: nextHandedOn } };
  }

  /**
   * Hands a step back on shutdown: it did not finish, so the attempt does not count. It is
   * announced again in the same statement (a step this worker continued with has no message of
   * its own; for the others the duplicate is ignored by the guarded claim).
   */
  private async release(claim: ClaimedStep): Promise<void> {
    await releaseClaim(this.db, {
      stepUuid: claim.workflow_step_uuid,
      workerId: this.workerId,
      queue: namespaceQueue(claim.namespace),
      correlationId: claim.correlation_id,
      reason: "worker shutdown released the step",
    });
  }

  private async beat(): Promise<void> {
    try {
      // Leases first: a message must not reappear before its step's lease ends (a read then would
      // find the step busy and put its recovery off by a whole lease).
      await extendClaims(this.db, this.claimed.keys(), this.workerId, this.opts.leaseSeconds);
      await this.consumer?.extendInFlight();
      await touchWorker(this.db, this.workerId);
    } catch (err) {
      this.logger.warn({ err: (err as Error).message }, "worker heartbeat failed");
    }
  }
}
