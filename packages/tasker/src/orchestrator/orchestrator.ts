import type { Logger } from "../observability/logger.js";
import type { MetricsSink, PlannedFrom } from "../observability/metrics-sink.js";
import { checkOrchestrationMessage } from "../queue/message-schemas.js";
import { namespaceQueue, ORCHESTRATION_QUEUE, type OrchestrationMessage } from "../queue/queue-names.js";
import type { Consumer, Delivery, MessageTransport, Settlement } from "../queue/transport.js";
import { TASK_TERMINAL_STATES, type TaskState } from "../state/task-states.js";
import type { Database } from "../store/database.js";
import { ackMessages, nextDelayedMessageInMs, sendMessages } from "../store/sql/queue.js";
import {
  endLostClaims,
  selectExpiredClaims,
  selectOverdueRetryTasks,
  touchStaleEnqueued,
} from "../store/sql/steps.js";
import { applyStepResult, type ResultOutcome } from "./apply-step-result.js";
import { evaluateTask } from "./evaluate-task.js";

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

/**
 * Reads the orchestration queue (step results and re-evaluation requests) and decides each
 * task's next move. Any number of orchestrators may share a database: messages are claimed with
 * SKIP LOCKED and every decision about a task happens under that task's row lock.
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
      staleEnqueuedSeconds: options.staleEnqueuedSeconds ?? 300,
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

  /** Applies one orchestration message in one transaction (the outbox row is deleted in it). */
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
      const outcome = await this.db.transaction(async (tx) => {
        let result: Pick<ResultOutcome, "events" | "evaluation"> & Partial<ResultOutcome>;
        if (msg.kind === "step_result") {
          result = await applyStepResult(
            tx,
            { msgId: d.outboxMsgId, taskUuid: msg.task_uuid, stepUuid: msg.step_uuid },
            { jitterPercent: this.opts.jitterPercent, logger: log },
          );
        } else {
          const evaluation = await evaluateTask(tx, msg.task_uuid);
          if (d.outboxMsgId) await ackMessages(tx, [d.outboxMsgId]);
          result = { evaluation, events: evaluation?.events ?? [] };
        }
        // The evaluation published the events inside the transaction: heard only after commit.
        return result;
      });
      this.record(outcome);
      return "acked_in_database";
    } catch (err) {
      // Not acked: the message comes back after the visibility timeout and is tried again.
      log.error({ err: errorMessage(err) }, "failed to apply orchestration message");
      return "retry_later";
    }
  }

  private record(outcome: Partial<ResultOutcome>): void {
    if (this.metrics) recordOutcomeMetrics(this.metrics, outcome);
  }

  /**
   * Steps whose lease expired long ago and whose message never came back, and (with a broker)
   * steps left `enqueued` whose signal the broker lost or dead-lettered: send the signal again. A
   * duplicate is harmless; claims are guarded. A lost claim no worker may take over is ended
   * instead (see endLostClaims): cancelled when its task finished meanwhile, failed when it was
   * the step's last attempt - that failure is then applied like any other, as a step result.
   */
  private async sweepLostClaims(): Promise<void> {
    // With the Postgres transport a signal is its outbox row and cannot be lost; with a broker it
    // can (dead-lettered), so also look for steps and retries left waiting for one. Touching the
    // stale steps and sending their signals commit together.
    const brokered = this.transport.kind !== "postgres";
    const older = this.opts.staleEnqueuedSeconds;
    const { ended, expired, stale, overdue } = await this.db.transaction(async (tx) => {
      const found = {
        ended: await endLostClaims(tx, 100),
        expired: await selectExpiredClaims(tx, 100),
        stale: brokered ? await touchStaleEnqueued(tx, older, 100) : [],
        overdue: brokered ? await selectOverdueRetryTasks(tx, older, 100) : [],
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
        ...found.ended
          .filter((s) => s.ended === "failed")
          .map((s) => ({
            queueName: ORCHESTRATION_QUEUE,
            message: {
              kind: "step_result",
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
    const cancelled = ended.filter((s) => s.ended === "cancelled").length;
    if (cancelled > 0) {
      this.logger.warn(
        { steps: cancelled },
        "cancelled steps whose worker lease expired after their task finished (they are not run again)",
      );
    }
    if (ended.length > cancelled) {
      this.logger.warn(
        { steps: ended.length - cancelled },
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
}

/** Step and task metrics for one applied result, wherever it was applied (orchestrator or worker). */
export function recordOutcomeMetrics(
  metrics: MetricsSink,
  outcome: Partial<ResultOutcome> & { plannedFrom?: PlannedFrom },
): void {
  if (
    outcome.namespace &&
    outcome.stepName &&
    outcome.durationSeconds !== undefined &&
    outcome.applied === "completed"
  )
    metrics.stepFinished(outcome.namespace, outcome.stepName, outcome.durationSeconds);
  if (outcome.namespace && outcome.applied === "retry_scheduled") metrics.stepRetried(outcome.namespace);
  if (outcome.namespace && outcome.applied === "completed" && outcome.plannedFrom) {
    metrics.successPlanned(outcome.namespace, outcome.plannedFrom);
  }
  const task = outcome.evaluation?.task;
  if (
    task &&
    outcome.evaluation?.plan.transitions.length &&
    TASK_TERMINAL_STATES.has(task.status as TaskState)
  ) {
    metrics.taskFinished(task.namespace, task.status);
  }
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
