import { reevaluateStoppedBatch, settleBatchFailure } from "../lifecycle/batch-failures.js";
import { evaluateTask } from "../lifecycle/evaluate-task.js";
import { recordOutcomeMetrics } from "../lifecycle/outcome-store.js";
import { type OutcomeToStore, planFromCounts } from "../lifecycle/store-outcomes.js";
import { BATCH_INPUTS_KEY } from "../model/batch-outcome.js";
import { errorMessage, type Logger } from "../observability/logger.js";
import type { MetricsSink } from "../observability/metrics-sink.js";
import { checkOrchestrationMessage } from "../queue/message-schemas.js";
import { namespaceQueue, ORCHESTRATION_QUEUE, type OrchestrationMessage } from "../queue/queue-names.js";
import type { Consumer, Delivery, MessageTransport, Settlement } from "../queue/transport.js";
import { TASK_TERMINAL_STATES, type TaskState } from "../state/task-states.js";
import type { Database } from "../store/database.js";
import { ackMessages, nextDelayedMessageInMs, sendMessages } from "../store/sql/queue.js";
import {
  cancelLostClaimsOfFinishedTasks,
  type LostLastAttempt,
  selectExpiredClaims,
  selectLostLastAttempts,
  selectOverdueRetryTasks,
  touchStaleEnqueued,
} from "../store/sql/steps.js";

/** Tuning of an {@link Orchestrator}; every option has a default. */
export interface OrchestratorOptions {
  /** Fallback poll when no NOTIFY arrives (also how delayed retry wake-ups are noticed). */
  pollIntervalMs?: number;
  batchSize?: number;
  /** How long a read message stays hidden before another orchestrator may take it. */
  visibilitySeconds?: number;
  jitterPercent?: number;
  /** Tasks processed in parallel (messages of one task are always applied in order). */
  concurrency?: number;
  /** How often to look for steps whose worker vanished without its message coming back. */
  sweepIntervalMs?: number;
  /**
   * With a broker: a step `enqueued` this long with no message left in the outbox is signalled
   * again, and a task whose retry is overdue by this long is re-evaluated - their signal was lost
   * outside the database (default 300 s).
   */
  staleEnqueuedSeconds?: number;
}

/** The most steps (or tasks) each statement of the lost-claim sweep takes; the rest wait for the next sweep. */
export const SWEEP_LIMIT = 100;

/** The default of {@link OrchestratorOptions.staleEnqueuedSeconds}. */
export const STALE_ENQUEUED_SECONDS = 300;

/**
 * Owns what needs a clock: reads the orchestration queue (re-evaluation requests: a retry's
 * backoff is over) and re-plans each task, and sweeps for steps whose worker vanished. Any number
 * of orchestrators may share a database: messages are claimed with SKIP LOCKED and every decision
 * about a task happens under that task's row lock.
 */
export class Orchestrator {
  private consumer: Consumer | undefined;
  private sweepTimer: NodeJS.Timeout | undefined;
  private readonly opts: Required<OrchestratorOptions>;
  /** Armed for the earliest retry wake-up (see retryScheduled), and when it fires. */
  private dueTimer: NodeJS.Timeout | undefined;
  private dueAt = Number.POSITIVE_INFINITY;
  /** A look for the next wake-up is under way; another was asked for meanwhile. */
  private looking = false;
  private lookAgain = false;

  constructor(
    private readonly db: Database,
    private readonly transport: MessageTransport,
    private readonly logger: Logger,
    options: OrchestratorOptions = {},
    private readonly metrics?: MetricsSink,
  ) {
    this.opts = {
      pollIntervalMs: options.pollIntervalMs ?? 1000,
      batchSize: options.batchSize ?? 32,
      visibilitySeconds: options.visibilitySeconds ?? 30,
      jitterPercent: options.jitterPercent ?? 10,
      // PGlite has one connection: parallel transactions would only queue behind each other.
      concurrency: options.concurrency ?? (db.kind === "pglite" ? 1 : 4),
      sweepIntervalMs: options.sweepIntervalMs ?? 5000,
      staleEnqueuedSeconds: options.staleEnqueuedSeconds ?? STALE_ENQUEUED_SECONDS,
    };
  }

  /** Starts consuming the orchestration queue and the lost-claim sweep (idempotent). */
  async start(): Promise<void> {
    if (this.consumer) return;
    this.consumer = await this.transport.consume<OrchestrationMessage>(
      [ORCHESTRATION_QUEUE],
      {
        prefetch: this.opts.concurrency,
        visibilitySeconds: this.opts.visibilitySeconds,
        pollIntervalMs: this.opts.pollIntervalMs,
        batchSize: this.opts.batchSize,
      },
      (delivery) => this.handle(delivery),
    );
    this.sweepTimer = setInterval(() => {
      this.sweepLostClaims().catch((err) =>
        this.logger.warn({ err: errorMessage(err) }, "lost-claim sweep failed; will retry"),
      );
    }, this.opts.sweepIntervalMs);
    this.sweepTimer.unref();
  }

  /** Stops taking messages and waits for those in hand; the rest stay for other orchestrators. */
  async stop(): Promise<void> {
    const consumer = this.consumer;
    if (!consumer) return;
    this.consumer = undefined;
    clearInterval(this.sweepTimer);
    clearTimeout(this.dueTimer);
    this.dueTimer = undefined;
    await consumer.stopReceiving();
    await consumer.drained();
  }

  /**
   * A retry was scheduled, by this process or another (a `step.retry_scheduled` lifecycle event):
   * its wake-up is a delayed message, which no NOTIFY announces when it becomes due, so without
   * this the orchestrator noticed it at its next poll (up to pollIntervalMs late: a 96 ms backoff
   * took 689 ms). Looks up when the earliest unread delayed message is due and wakes the consumer
   * then; after it fires, looks for the next one. One statement per retry, none while idle.
   */
  retryScheduled(): void {
    if (!this.consumer?.wake) return;
    if (this.looking) {
      this.lookAgain = true;
      return;
    }
    this.looking = true;
    nextDelayedMessageInMs(this.db, ORCHESTRATION_QUEUE)
      .then((dueInMs) => {
        if (dueInMs !== null) this.wakeAt(Date.now() + Math.max(0, dueInMs) + 2);
      })
      .catch((err) =>
        this.logger.debug({ err: errorMessage(err) }, "could not look up the next retry wake-up"),
      )
      .finally(() => {
        this.looking = false;
        if (this.lookAgain) {
          this.lookAgain = false;
          this.retryScheduled();
        }
      });
  }

  private wakeAt(at: number): void {
    if (!this.consumer || at >= this.dueAt) return;
    clearTimeout(this.dueTimer);
    this.dueAt = at;
    this.dueTimer = setTimeout(() => {
      this.dueTimer = undefined;
      this.dueAt = Number.POSITIVE_INFINITY;
      this.consumer?.wake?.();
      this.retryScheduled();
    }, at - Date.now());
    this.dueTimer.unref();
  }

  /**
   * Re-plans the message's task in one transaction (the outbox row is deleted in it). A
   * `step_result` message, an older version's request to decide on a failed step, is read as one:
   * migration 010 decided those steps.
   */
  private async handle(d: Delivery<OrchestrationMessage>): Promise<Settlement> {
    const checked = checkOrchestrationMessage(d.message);
    if (!checked.ok) {
      this.logger.warn(
        { queue: d.queue, problem: checked.problem, message: checked.preview },
        "malformed orchestration message dropped",
      );
      return "ack";
    }
    const msg = checked.message;
    const log = this.logger.child({ task_uuid: msg.task_uuid, correlation_id: msg.correlation_id });
    try {
      const evaluation = await this.db.transaction(async (tx) => {
        const evaluated = await evaluateTask(tx, msg.task_uuid);
        if (d.outboxMsgId) await ackMessages(tx, [d.outboxMsgId]);
        // The evaluation published its events inside the transaction: heard only after commit.
        return evaluated;
      });
      const task = evaluation?.task;
      if (
        task &&
        evaluation.plan.transitions.length > 0 &&
        TASK_TERMINAL_STATES.has(task.status as TaskState)
      ) {
        this.metrics?.taskFinished(task.namespace, task.status);
      }
      return "acked_in_database";
    } catch (err) {
      // Not acked: the message comes back after the visibility timeout and is tried again.
      log.error({ err: errorMessage(err) }, "failed to apply orchestration message");
      return "retry_later";
    }
  }

  /**
   * Steps whose lease expired long ago and whose message never came back, and (with a broker)
   * steps left `enqueued` whose signal the broker lost or dead-lettered: send the signal again. A
   * duplicate is harmless; claims are guarded. A lost claim no worker may take over is ended
   * instead: cancelled when its task finished meanwhile (see cancelLostClaimsOfFinishedTasks), and
   * when it was the step's last attempt, failed in its dead worker's name (`lease_expired`) and
   * decided like any failure, so max_attempts holds.
   */
  private async sweepLostClaims(): Promise<void> {
    // With the Postgres transport a signal is its outbox row and cannot be lost; with a broker it
    // can (dead-lettered), so also look for steps and retries left waiting for one. Touching the
    // stale steps and sending their signals commit together.
    const brokered = this.transport.kind !== "postgres";
    const older = this.opts.staleEnqueuedSeconds;
    const { ended, expired, stale, overdue } = await this.db.transaction(async (tx) => {
      const found = {
        ended: await cancelLostClaimsOfFinishedTasks(tx, SWEEP_LIMIT),
        expired: await selectExpiredClaims(tx, SWEEP_LIMIT),
        stale: brokered ? await touchStaleEnqueued(tx, older, SWEEP_LIMIT) : [],
        overdue: brokered ? await selectOverdueRetryTasks(tx, older, SWEEP_LIMIT) : [],
      };
      await sendMessages(tx, [
        ...[...found.expired, ...found.stale].map((s) => ({
          queueName: namespaceQueue(s.namespace),
          message: {
            task_uuid: s.task_uuid,
            step_uuid: s.workflow_step_uuid,
            correlation_id: s.correlation_id,
          },
        })),
        ...found.overdue.map((t) => ({
          queueName: ORCHESTRATION_QUEUE,
          message: {
            kind: "evaluate_task",
            task_uuid: t.task_uuid,
            correlation_id: t.correlation_id,
            reason: "retry_overdue",
          },
        })),
      ]);
      return found;
    });
    if (ended.length > 0) {
      this.logger.warn(
        { steps: ended.length },
        "cancelled steps whose worker lease expired after their task finished (they are not run again)",
      );
    }
    const failed = await this.failLostLastAttempts(await selectLostLastAttempts(this.db, SWEEP_LIMIT));
    if (failed > 0) {
      this.logger.warn(
        { steps: failed },
        "failed steps whose worker lease expired on their last attempt (max_attempts reached)",
      );
    }
    if (expired.length > 0) {
      this.logger.warn({ steps: expired.length }, "re-signalled steps whose worker lease expired");
    }
    if (stale.length > 0) {
      this.logger.warn(
        { steps: stale.length, older_than_s: older },
        "re-signalled enqueued steps whose signal was lost outside the database",
      );
    }
    if (overdue.length > 0) {
      this.logger.warn({ tasks: overdue.length }, "re-evaluating tasks whose retry wake-up was lost");
    }
  }

  /**
   * Fails steps whose worker died on their last attempt, in that worker's name: the outcome it never
   * sent is a `lease_expired` failure, decided and applied as a worker's failure is (the retry
   * policy finds no attempt left, a batch instance's failure strategy applies), only while the
   * claim is still that worker's and its lease over.
   */
  private async failLostLastAttempts(lost: readonly LostLastAttempt[]): Promise<number> {
    if (lost.length === 0) return 0;
    const initializationOf = (s: LostLastAttempt) => (s.batch ? { [BATCH_INPUTS_KEY]: s.batch } : {});
    const outcomes = lost.map(
      (s): OutcomeToStore => ({
        taskUuid: s.task_uuid,
        stepUuid: s.workflow_step_uuid,
        workerId: s.claimed_by,
        attempts: s.attempts,
        outboxMsgId: null,
        outcome: settleBatchFailure(
          { ...s, initialization: initializationOf(s) },
          {
            ok: false,
            error: {
              message: `the worker running this step (${s.claimed_by}) stopped renewing its lease during attempt ${s.attempts} of ${s.max_attempts}, the last one, so it is not run again`,
              code: "lease_expired",
              retryable: true,
              kind: "worker_lost",
              metadata: { worker_id: s.claimed_by },
              retry_after_ms: null,
            },
          },
        ),
        metadata: { reason: "lease expired on the last attempt; the worker holding it stopped answering" },
        onlyIfLeaseExpired: true,
      }),
    );
    // As a worker's outcomes are stored: an instance of a fail_fast batch stops its batch.
    const stored = await this.db.transaction(
      (tx) =>
        planFromCounts.store(tx, outcomes, { jitterPercent: this.opts.jitterPercent, logger: this.logger }),
      { genericPlans: true },
    );
    for (const [i, s] of stored.entries()) {
      if (s && this.metrics) recordOutcomeMetrics(this.metrics, s);
      if (s?.batchCancelled) await reevaluateStoppedBatch(this.db, (lost[i] as LostLastAttempt).task_uuid);
    }
    return stored.filter((s) => s !== undefined).length;
  }
}
