import { hostname as localHostname } from "node:os";
import type { z } from "zod";
import { settleBatchFailure } from "../lifecycle/batch-failures.js";
import type { AttemptOutcome } from "../lifecycle/decide-outcome.js";
import { HandedOn } from "../lifecycle/handed-on.js";
import { OutcomeStore } from "../lifecycle/outcome-store.js";
import type { StepTypeOf } from "../lifecycle/step-types.js";
import type { ContinueWith } from "../lifecycle/store-outcomes.js";
import { batchConfigOf } from "../model/batch-outcome.js";
import { checkCheckpoint } from "../model/checkpoint.js";
import { TaskerError } from "../model/errors.js";
import type { Logger } from "../observability/logger.js";
import type { MetricsSink } from "../observability/metrics-sink.js";
import { namespaceQueue } from "../queue/queue-names.js";
import { RETRY_SOON_MS } from "../queue/transport.js";
import type { Database } from "../store/database.js";
import { selectStepSettings } from "../store/sql/batch-instances.js";
import { saveCheckpoint, selectCheckpoint } from "../store/sql/checkpoints.js";
import { ackMessages, extendVisibility, QUEUE_CHANNEL } from "../store/sql/queue.js";
import { receiveAndClaimSteps } from "../store/sql/receive-and-claim.js";
import {
  heartbeatClaims,
  type RemoteWorkerRow,
  selectHeldClaims,
  selectRemoteWorker,
  selectRemoteWorkers,
  selectTemplateCallables,
  upsertRemoteWorker,
} from "../store/sql/remote-workers.js";
import { selectStepOrigin } from "../store/sql/step-origin.js";
import type { ClaimedStep } from "../store/sql/steps.js";
import { releaseClaim } from "../store/sql/transition-steps.js";
import { setWorkerStatus } from "../store/sql/workers.js";
import { type ClaimRef, decodeClaimToken, encodeClaimToken } from "./claim-token.js";
import { ExpiringMap } from "./expiring-map.js";
import {
  type CheckpointRequestSchema,
  type CheckpointResponse,
  type ClaimedStepMessage,
  type ClaimRequestSchema,
  type HeartbeatRequestSchema,
  type HeartbeatResponse,
  PROTOCOL_LIMITS,
  PROTOCOL_VERSION,
  type RegisteredWorker,
  type RegisterWorkerSchema,
  type ReportResponse,
  type ReportResultSchema,
  type WorkerList,
} from "./messages.js";
import { QueueWaiters } from "./queue-waiters.js";

/** Options of {@link RemoteWorkers}. */
export interface RemoteWorkersOptions {
  /** Random spread added to retry backoffs, in percent (default 10, as in-process workers). */
  jitterPercent?: number;
  /** Largest result or error a worker may report, as JSON bytes (what the API's body limit allows). */
  maxResultBytes: number;
  logger: Logger;
  metrics?: MetricsSink | undefined;
  /** Finds a claimed step's type (see OutcomeStoreOptions.stepTypeOf). */
  stepTypeOf?: StepTypeOf | undefined;
}

/** How long a registration read from the database is trusted before it is read again. */
const REGISTRATION_TTL_MS = 5_000;
/** Claims (and answers) this server remembers at most. */
const MAX_REMEMBERED = 50_000;

/** A claim this server handed out, until its outcome comes back: the step and what it was given. */
interface HandedOut {
  step: ClaimedStep;
  given: HandedOn;
}

/**
 * The server side of the worker protocol: workers in any language register, claim steps of their
 * namespaces, report outcomes and extend their leases over HTTP, and this applies each with the
 * same library functions (and so the same guarantees) as an in-process worker. Claims are read
 * from the queue tables; a claimed step's message is removed at once, since its lease (and the
 * orchestrator's sweep of expired leases) now stands for it.
 */
export class RemoteWorkers {
  /** Claims waiting for their queues, woken by the NOTIFY of a queue they read. */
  private readonly waiters = new QueueWaiters();
  private readonly registrations = new Map<string, { row: RemoteWorkerRow; readAt: number }>();
  /**
   * Each outstanding claim's step and what it was given, by claim token: a success reported to this
   * server builds the step its worker goes on with from them, as an in-process worker does
   * (ContinueWith.ran), instead of reading that step's context and dependencies. A report that
   * reaches another server, or comes after the entry expired, has the next step read whole.
   */
  private readonly handedOut = new ExpiringMap<string, HandedOut>(MAX_REMEMBERED);
  /**
   * The answer to each report, by worker and claim token, for a while: a worker whose answer was
   * lost (a connection reset) and that reports again gets the same answer, with the `next` step
   * still claimed for it, instead of a 409 that would leave that step waiting for its lease.
   */
  private readonly answers = new ExpiringMap<string, ReportResponse>(MAX_REMEMBERED);
  private readonly outcomes: OutcomeStore;
  private readonly shutdown = new AbortController();
  private unlisten: (() => Promise<void>) | undefined;
  private closed = false;

  constructor(
    private readonly db: Database,
    private readonly opts: RemoteWorkersOptions,
  ) {
    this.outcomes = new OutcomeStore(db, {
      jitterPercent: opts.jitterPercent ?? 10,
      writeConcurrency: 4,
      maxBatch: 64,
      shutdown: this.shutdown.signal,
      metrics: opts.metrics,
      logger: opts.logger,
      stepTypeOf: opts.stepTypeOf,
    });
  }

  async start(): Promise<void> {
    this.unlisten = await this.db.listen(QUEUE_CHANNEL, (queue) => this.waiters.wake(queue));
  }

  async close(): Promise<void> {
    this.closed = true;
    this.shutdown.abort();
    this.waiters.wakeAll();
    await this.unlisten?.();
  }

  async register(req: z.output<typeof RegisterWorkerSchema>): Promise<RegisteredWorker> {
    const workerId = req.worker_id ?? `${req.sdk.name}-${crypto.randomUUID()}`;
    const row: RemoteWorkerRow = {
      worker_id: workerId,
      namespaces: [...new Set(req.namespaces)].sort(),
      handlers: [...new Set(req.handlers)].sort(),
      lease_seconds: req.lease_seconds,
      concurrency: req.concurrency,
      status: "running",
    };
    await upsertRemoteWorker(this.db, {
      ...row,
      hostname: req.hostname ?? localHostname(),
      pid: req.pid ?? 0,
      sdk: req.sdk,
    });
    this.registrations.set(workerId, { row, readAt: Date.now() });
    const used = await selectTemplateCallables(this.db, row.namespaces);
    const unhandled = used.filter((c) => !row.handlers.includes(c));
    if (unhandled.length > 0) {
      this.opts.logger.warn(
        { worker_id: workerId, unhandled_callables: unhandled },
        "remote worker has no handler for some callables of its namespaces; their steps wait for a worker that has",
      );
    }
    this.opts.logger.info(
      { worker_id: workerId, namespaces: row.namespaces, sdk: `${req.sdk.name}/${req.sdk.version}` },
      "remote worker registered",
    );
    return {
      worker_id: workerId,
      protocol_version: PROTOCOL_VERSION,
      lease_seconds: row.lease_seconds,
      // A third of the lease, and at most 5 s: a cancelled task's running step learns it from the next one.
      heartbeat_interval_ms: Math.max(250, Math.min(5_000, Math.floor((row.lease_seconds * 1000) / 3))),
      max_claim_wait_ms: PROTOCOL_LIMITS.maxClaimWaitMs,
      max_steps_per_claim: PROTOCOL_LIMITS.maxStepsPerClaim,
      max_result_bytes: this.opts.maxResultBytes,
      unhandled_callables: unhandled,
    };
  }

  /**
   * Claims up to `max_steps` ready steps of the worker's namespaces, waiting up to `wait_ms` for
   * one when none is ready (woken by the queues' NOTIFY). `aborted` ends the wait early (the
   * client went away). A draining worker gets none.
   */
  async claim(
    workerId: string,
    req: z.output<typeof ClaimRequestSchema>,
    aborted?: AbortSignal,
  ): Promise<ClaimedStepMessage[]> {
    const until = Date.now() + req.wait_ms;
    for (;;) {
      // Read each time: a drain or deregistration during the wait ends it.
      const worker = await this.worker(workerId);
      if (worker.status !== "running") return [];
      const queues = worker.namespaces.map(namespaceQueue);
      const received = await receiveAndClaimSteps(this.db, {
        queues,
        limit: req.max_steps,
        visibilitySeconds: worker.lease_seconds,
        workerId,
        leaseSeconds: worker.lease_seconds,
        // Only steps this worker has a handler for: a namespace may be shared by workers in
        // several languages, each with its own handlers.
        callables: worker.handlers,
      });
      // A claimed step no longer needs its message (its lease stands for it); a stale one never
      // did. A busy step's message stays hidden and comes back when the other claim may be over;
      // a locked one's comes back shortly.
      const settled = received.filter((r) => typeof r.claim !== "string").map((r) => r.message.msgId);
      if (settled.length > 0) await ackMessages(this.db, settled);
      const locked = received.filter((r) => r.claim === "locked").map((r) => r.message.msgId);
      if (locked.length > 0) await extendVisibility(this.db, locked, RETRY_SOON_MS / 1000);
      const claims = received.flatMap((r) => (typeof r.claim === "object" ? [r.claim] : []));
      if (claims.length > 0 && aborted?.aborted) {
        // Nobody will read the answer: hand the steps back now rather than after their lease.
        await this.release(workerId, claims, "the claiming request was abandoned");
        return [];
      }
      if (claims.length > 0) return claims.map((c) => this.handOut(c, worker));
      const left = until - Date.now();
      if (left <= 0 || this.closed || aborted?.aborted) return [];
      await this.waiters.wait(queues, Math.min(left, 1000));
    }
  }

  /**
   * Stores one attempt's outcome and advances its task, as an in-process worker does. Answers 409
   * (and writes nothing) when the token is not the worker's current claim: a duplicate, a late
   * result after the lease passed to another worker, or a step already decided.
   */
  async report(workerId: string, req: z.output<typeof ReportResultSchema>): Promise<ReportResponse> {
    const ref = this.claimRef(req.claim_token);
    const worker = await this.worker(workerId);
    const outcome: AttemptOutcome =
      req.outcome.status === "success"
        ? { ok: true, result: req.outcome.result ?? null }
        : {
            ok: false,
            error: {
              message: req.outcome.error.message,
              code: req.outcome.error.code ?? null,
              retryable: req.outcome.error.retryable,
              kind: req.outcome.error.kind ?? (req.outcome.error.retryable ? "retryable" : "permanent"),
              metadata: req.outcome.error.metadata ?? null,
              retry_after_ms: req.outcome.error.retry_after_ms ?? null,
            },
          };
    const answered = this.answers.get(`${workerId}\n${req.claim_token}`);
    if (answered) return answered;
    const ran = this.handedOut.take(req.claim_token);
    // An instance of a continue_on_failure batch that failed for good ends complete, saying so
    // (from the claim this server handed out, or its step's settings when another server did).
    const settled = outcome.ok ? outcome : settleBatchFailure(await this.attemptOf(ref, ran?.step), outcome);
    const continueWith: ContinueWith | undefined =
      req.continue && worker.status === "running"
        ? { leaseSeconds: worker.lease_seconds, handlers: worker.handlers, ran }
        : undefined;
    const stored = await this.outcomes.store({
      claim: {
        task_uuid: ref.taskUuid,
        workflow_step_uuid: ref.stepUuid,
        attempts: ref.attempts,
        child_count: ran?.step.child_count,
      },
      // A claim another server handed out: where its step comes from is read (successes only).
      step: ran?.step ?? (outcome.ok ? await selectStepOrigin(this.db, ref.stepUuid) : undefined),
      workerId,
      outboxMsgId: null,
      outcome: settled,
      log: this.opts.logger,
      continueWith,
      retryForMs: (worker.lease_seconds * 1000) / 2,
    });
    if (!stored) {
      throw new TaskerError(
        "CONFLICT",
        `the claim ${req.claim_token} is not held by worker ${workerId} any more (a duplicate result, or the lease passed to another worker): nothing was stored`,
        { claim_token: req.claim_token, step_uuid: ref.stepUuid, reason: "claim_not_held" },
      );
    }
    const { next, nextHandedOn } = stored.stored;
    // Claimed as this outcome was stored, the next step comes without its checkpoint: only a step
    // that ran before can have one.
    if (next && next.checkpoint === undefined && next.attempts > 1) {
      next.checkpoint = await selectCheckpoint(this.db, next.workflow_step_uuid);
    }
    const answer: ReportResponse = {
      step_uuid: ref.stepUuid,
      outcome: stored.stored.applied,
      task_status: stored.stored.taskStatus,
      next: next ? this.handOut(next, worker, nextHandedOn) : null,
    };
    this.answers.set(`${workerId}\n${req.claim_token}`, answer, worker.lease_seconds * 2000);
    return answer;
  }

  /**
   * Saves a running step's checkpoint and extends its lease. Answers 409 (and saves nothing) when
   * the token is not the worker's current claim, 400 naming `checkpoint` when it cannot be stored.
   */
  async checkpoint(
    workerId: string,
    req: z.output<typeof CheckpointRequestSchema>,
  ): Promise<CheckpointResponse> {
    const ref = this.claimRef(req.claim_token);
    const checked = checkCheckpoint(req.checkpoint);
    if (!checked.ok) throw new TaskerError("BAD_REQUEST", checked.message, { field: "checkpoint" });
    const worker = await this.worker(workerId);
    const saved = await saveCheckpoint(this.db, {
      stepUuid: ref.stepUuid,
      workerId,
      attempts: ref.attempts,
      checkpointJson: checked.json,
      leaseSeconds: worker.lease_seconds,
    });
    if (!saved.saved) {
      throw new TaskerError(
        "CONFLICT",
        `the claim ${req.claim_token} is not held by worker ${workerId} any more (its lease passed to another worker, or its outcome was stored): the checkpoint was not saved`,
        { claim_token: req.claim_token, step_uuid: ref.stepUuid, reason: "claim_not_held" },
      );
    }
    return {
      claim_token: req.claim_token,
      status: saved.taskEnded ? "cancelled" : "held",
      checkpointed_at: iso(saved.checkpointedAt),
      lease_expires_at: iso(saved.leaseExpiresAt),
    };
  }

  /** Extends the leases of the named claims and says which are held, cancelled or lost. */
  async heartbeat(
    workerId: string,
    req: z.output<typeof HeartbeatRequestSchema>,
  ): Promise<HeartbeatResponse> {
    const worker = await this.worker(workerId);
    const refs = req.claim_tokens.map((token) => ({ token, ref: decodeClaimToken(token) }));
    const rows = await heartbeatClaims(
      this.db,
      workerId,
      refs.flatMap(({ ref }) => (ref ? [{ stepUuid: ref.stepUuid, attempts: ref.attempts }] : [])),
      worker.lease_seconds,
    );
    const byClaim = new Map(rows.map((r) => [`${r.step_uuid}.${r.attempts}`, r]));
    return {
      claims: refs.map(({ token, ref }) => {
        const row = ref && byClaim.get(`${ref.stepUuid}.${ref.attempts}`);
        return {
          claim_token: token,
          status: row?.status ?? "lost",
          lease_expires_at:
            row?.status === "lost" || !row?.lease_expires_at ? null : iso(row.lease_expires_at),
        };
      }),
      worker_status: worker.status,
    };
  }

  /** The workers registered over the protocol (running, draining, or stopped within a minute). */
  async list(): Promise<WorkerList> {
    const rows = await selectRemoteWorkers(this.db);
    return {
      workers: rows.map((r) => ({
        worker_id: r.worker_id,
        namespaces: r.namespaces,
        handlers: r.handlers,
        concurrency: r.concurrency,
        lease_seconds: r.lease_seconds,
        status: r.status,
        sdk: r.sdk,
        last_heartbeat_at: iso(r.last_heartbeat_at),
      })),
    };
  }

  /** No more claims for this worker; its running steps may still report (and heartbeat). */
  async drain(workerId: string): Promise<void> {
    await this.worker(workerId);
    await setWorkerStatus(this.db, workerId, "draining");
    this.registrations.delete(workerId);
  }

  /**
   * Marks the worker stopped and hands back the claims it still holds, at once and without
   * counting their attempt (as an in-process worker's shutdown does). Returns how many.
   */
  async deregister(workerId: string): Promise<number> {
    await this.worker(workerId);
    await setWorkerStatus(this.db, workerId, "stopped");
    this.registrations.delete(workerId);
    const held = await selectHeldClaims(this.db, workerId);
    const released = await this.release(workerId, held, "remote worker deregistered and released the step");
    this.opts.logger.info({ worker_id: workerId, released_steps: released }, "remote worker deregistered");
    return released;
  }

  /**
   * Hands claimed steps back to their queues at once, their attempt not counted (it never ran),
   * as an in-process worker's shutdown does. Returns how many were still this worker's.
   */
  private async release(
    workerId: string,
    steps: readonly { workflow_step_uuid: string; namespace: string; correlation_id: string }[],
    reason: string,
  ): Promise<number> {
    let released = 0;
    for (const step of steps) {
      const still = await releaseClaim(this.db, {
        stepUuid: step.workflow_step_uuid,
        workerId,
        queue: namespaceQueue(step.namespace),
        correlationId: step.correlation_id,
        reason,
      });
      if (still) released++;
    }
    return released;
  }

  /** A claim as the protocol sends it, remembered until its outcome comes back or its lease is long over. */
  private handOut(claim: ClaimedStep, worker: RemoteWorkerRow, given?: HandedOn): ClaimedStepMessage {
    const message = claimMessage(claim, worker.lease_seconds);
    this.handedOut.set(
      message.claim_token,
      { step: claim, given: given ?? HandedOn.of(claim.context, claim.dependency_results) },
      worker.lease_seconds * 2000,
    );
    return message;
  }

  /** What deciding a failure needs of the claimed attempt: as handed out, or read. */
  private async attemptOf(
    ref: ClaimRef,
    handedOut: ClaimedStep | undefined,
  ): Promise<{ initialization: Record<string, unknown>; attempts: number; max_attempts: number }> {
    if (handedOut) return handedOut;
    const read = await selectStepSettings(this.db, ref.stepUuid);
    return {
      initialization: read?.initialization ?? {},
      attempts: ref.attempts,
      max_attempts: read?.max_attempts ?? 1,
    };
  }

  /** The claim a token names; 400 naming `claim_token` when it is not one this server made. */
  private claimRef(token: string): ClaimRef {
    const ref = decodeClaimToken(token);
    if (!ref) {
      throw new TaskerError(
        "BAD_REQUEST",
        "claim_token is not a claim token this server made; send it back as received",
        { field: "claim_token" },
      );
    }
    return ref;
  }

  /** The worker's registration (cached briefly, so that another server's drain is seen soon). */
  private async worker(workerId: string): Promise<RemoteWorkerRow> {
    const cached = this.registrations.get(workerId);
    if (cached && Date.now() - cached.readAt < REGISTRATION_TTL_MS) return cached.row;
    const row = await selectRemoteWorker(this.db, workerId);
    if (!row || row.status === "stopped") {
      this.registrations.delete(workerId);
      throw new TaskerError(
        "NOT_FOUND",
        `worker ${workerId} is not registered${row ? " (it deregistered)" : ""}; register it first with POST /v1/worker/workers`,
        { worker_id: workerId },
      );
    }
    this.registrations.set(workerId, { row, readAt: Date.now() });
    return row;
  }
}

function iso(d: Date | string): string {
  return (d instanceof Date ? d : new Date(d)).toISOString();
}

/** A claimed step as the protocol sends it. */
function claimMessage(c: ClaimedStep, leaseSeconds: number): ClaimedStepMessage {
  const now = Date.now();
  return {
    claim_token: encodeClaimToken({
      taskUuid: c.task_uuid,
      stepUuid: c.workflow_step_uuid,
      attempts: c.attempts,
    }),
    task_uuid: c.task_uuid,
    step_uuid: c.workflow_step_uuid,
    step_name: c.name,
    task_name: c.task_name,
    namespace: c.namespace,
    version: c.version,
    handler_callable: c.handler_callable,
    correlation_id: c.correlation_id,
    attempt: c.attempts,
    max_attempts: c.max_attempts,
    timeout_seconds: c.timeout_seconds,
    deadline: new Date(now + c.timeout_seconds * 1000).toISOString(),
    lease_expires_at: new Date(now + leaseSeconds * 1000).toISOString(),
    context: c.context,
    dependency_results: c.dependency_results,
    initialization: c.initialization,
    batch_config: batchConfigOf(c.initialization),
    checkpoint: c.checkpoint ?? null,
  };
}
