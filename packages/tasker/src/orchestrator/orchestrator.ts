import { publishEvents } from "../events/lifecycle-events.js";
import type { Logger } from "../observability/logger.js";
import type { MetricsSink } from "../observability/metrics-sink.js";
import { namespaceQueue, ORCHESTRATION_QUEUE, type OrchestrationMessage } from "../queue/queue-names.js";
import { Waker } from "../queue/waker.js";
import { TASK_TERMINAL_STATES, type TaskState } from "../state/task-states.js";
import type { Database } from "../store/database.js";
import {
  ackMessages,
  QUEUE_CHANNEL,
  type QueueMessage,
  receiveMessages,
  sendMessages,
} from "../store/sql/queue.js";
import { selectExpiredClaims } from "../store/sql/steps.js";
import { applyStepResult, type ResultOutcome } from "./apply-step-result.js";
import { evaluateTask } from "./evaluate-task.js";

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
}

/**
 * Reads the orchestration queue (step results and re-evaluation requests) and decides each
 * task's next move. Any number of orchestrators may share a database: messages are claimed with
 * SKIP LOCKED and every decision about a task happens under that task's row lock.
 */
export class Orchestrator {
  private running = false;
  private loop: Promise<void> | undefined;
  private readonly waker = new Waker();
  private unlisten: (() => Promise<void>) | undefined;
  private readonly opts: Required<OrchestratorOptions>;
  private lastSweep = 0;

  constructor(
    private readonly db: Database,
    private readonly logger: Logger,
    options: OrchestratorOptions = {},
    private readonly metrics?: MetricsSink,
  ) {
    this.opts = {
      pollIntervalMs: options.pollIntervalMs ?? 1000,
      batchSize: options.batchSize ?? 32,
      visibilitySeconds: options.visibilitySeconds ?? 30,
      jitterPercent: options.jitterPercent ?? 10,
      concurrency: options.concurrency ?? (db.kind === "pglite" ? 1 : 4),
      sweepIntervalMs: options.sweepIntervalMs ?? 5000,
    };
  }

  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    this.unlisten = await this.db.listen(QUEUE_CHANNEL, (queue) => {
      if (queue === ORCHESTRATION_QUEUE) this.waker.wake();
    });
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.waker.wake();
    await this.loop;
    await this.unlisten?.();
  }

  private async run(): Promise<void> {
    let backoffMs = 100;
    while (this.running) {
      try {
        const processed = await this.tick();
        backoffMs = 100;
        if (processed === 0) await this.waker.wait(this.opts.pollIntervalMs);
      } catch (err) {
        // The database went away (restart, network): keep trying with backoff, never crash.
        this.logger.error({ err: errorMessage(err), retry_in_ms: backoffMs }, "orchestrator loop error");
        await this.waker.wait(backoffMs);
        backoffMs = Math.min(backoffMs * 2, 5000);
      }
    }
  }

  /** One round: read a batch, apply it. Returns how many messages were handled. */
  async tick(): Promise<number> {
    if (Date.now() - this.lastSweep >= this.opts.sweepIntervalMs) {
      this.lastSweep = Date.now();
      await this.sweepLostClaims();
    }
    const messages = await receiveMessages<OrchestrationMessage>(
      this.db,
      [ORCHESTRATION_QUEUE],
      this.opts.batchSize,
      this.opts.visibilitySeconds,
    );
    if (messages.length === 0) return 0;
    // Messages of one task in order; different tasks in parallel.
    const byTask = new Map<string, QueueMessage<OrchestrationMessage>[]>();
    for (const m of messages) {
      const list = byTask.get(m.message.task_uuid) ?? [];
      list.push(m);
      byTask.set(m.message.task_uuid, list);
    }
    const groups = [...byTask.values()];
    const workers = Array.from({ length: Math.min(this.opts.concurrency, groups.length) }, async () => {
      for (let g = groups.shift(); g; g = groups.shift()) {
        for (const m of g) await this.handle(m);
      }
    });
    await Promise.all(workers);
    return messages.length;
  }

  private async handle(m: QueueMessage<OrchestrationMessage>): Promise<void> {
    const msg = m.message;
    const log = this.logger.child({ task_uuid: msg.task_uuid, correlation_id: msg.correlation_id });
    try {
      const outcome = await this.db.transaction(async (tx) => {
        let result: Pick<ResultOutcome, "events" | "evaluation"> & Partial<ResultOutcome>;
        if (msg.kind === "step_result") {
          result = await applyStepResult(
            tx,
            { msgId: m.msgId, taskUuid: msg.task_uuid, stepUuid: msg.step_uuid },
            { jitterPercent: this.opts.jitterPercent, logger: log },
          );
        } else {
          const evaluation = await evaluateTask(tx, msg.task_uuid);
          await ackMessages(tx, [m.msgId]);
          result = { evaluation, events: evaluation?.events ?? [] };
        }
        // NOTIFY inside the transaction: subscribers hear about it only after commit.
        await publishEvents(tx, result.events);
        return result;
      });
      this.record(outcome);
    } catch (err) {
      // Left unacked: the message reappears after the visibility timeout and is tried again.
      log.error({ err: errorMessage(err), msg_id: m.msgId }, "failed to apply orchestration message");
    }
  }

  private record(outcome: Partial<ResultOutcome>): void {
    const metrics = this.metrics;
    if (!metrics) return;
    if (
      outcome.namespace &&
      outcome.stepName &&
      outcome.durationSeconds !== undefined &&
      outcome.applied === "completed"
    )
      metrics.stepFinished(outcome.namespace, outcome.stepName, outcome.durationSeconds);
    if (outcome.namespace && outcome.applied === "retry_scheduled") metrics.stepRetried(outcome.namespace);
    const task = outcome.evaluation?.task;
    if (
      task &&
      outcome.evaluation?.plan.transitions.length &&
      TASK_TERMINAL_STATES.has(task.status as TaskState)
    ) {
      metrics.taskFinished(task.namespace, task.status);
    }
  }

  /**
   * Steps whose lease expired long ago and whose message never came back (lost with a transport
   * that is not the database): send the signal again. A duplicate is harmless; claims are guarded.
   */
  private async sweepLostClaims(): Promise<void> {
    const lost = await selectExpiredClaims(this.db, 100);
    if (lost.length === 0) return;
    await sendMessages(
      this.db,
      lost.map((s) => ({
        queueName: namespaceQueue(s.namespace),
        message: {
          task_uuid: s.task_uuid,
          step_uuid: s.workflow_step_uuid,
          correlation_id: s.correlation_id,
        },
      })),
    );
    this.logger.warn({ steps: lost.length }, "re-signalled steps whose worker lease expired");
  }
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
