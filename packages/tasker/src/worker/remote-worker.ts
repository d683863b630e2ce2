import { hostname } from "node:os";
import type { AttemptOutcome } from "../lifecycle/decide-outcome.js";
import { batchConfigOf } from "../model/batch-outcome.js";
import { lazyChild } from "../observability/lazy-child.js";
import type { Logger } from "../observability/logger.js";
import type {
  CheckpointResponse,
  ClaimedStepMessage,
  ClaimResponse,
  HeartbeatResponse,
  RegisteredWorker,
  RegisterWorker,
  ReportResponse,
  ReportResult,
} from "../protocol/messages.js";
import { Waker } from "../queue/waker.js";
import type { BatchConfig } from "../template/schema.js";
import { checkpointer } from "./checkpointer.js";
import type { HandlerRegistry } from "./handler-registry.js";
import { runHandler } from "./run-handler.js";

/** Options of {@link RemoteWorker}. */
export interface RemoteWorkerOptions {
  /** The orchestration server, e.g. `http://127.0.0.1:8080`. */
  orchestrationUrl: string;
  /** Sent as X-API-Key; the key needs the `worker` permission (and `templates:write` to register templates). */
  apiKey?: string | undefined;
  namespaces: string[];
  workerId?: string | undefined;
  /** Steps run at once (default 10). */
  concurrency?: number;
  /** Claim lease: a dead worker's steps come back after this long (default 30). */
  leaseSeconds?: number;
  /** How long one claim request waits for a step (long poll, default 10 s). */
  claimWaitMs?: number;
  /** How long stop() waits for running steps before handing them back (default 30 s). */
  shutdownTimeoutMs?: number;
  /** Template files' text to register before the worker starts (POST /v1/templates). */
  templates?: readonly string[];
}

/** Backoff while the server is away: 100 ms doubling to 5 s. */
const RETRY_FIRST_MS = 100;
const RETRY_MAX_MS = 5_000;
const SDK = { name: "tasker-ts", version: "0.1.0" };
/** A result is reported for at least this long while the server is away (see report). */
const REPORT_RETRY_MIN_MS = 30_000;

/** An HTTP answer that was not 2xx, with the API's error envelope when it sent one. */
export class ProtocolError extends Error {
  constructor(
    readonly status: number,
    readonly code: string | undefined,
    message: string,
  ) {
    super(message);
    this.name = "ProtocolError";
  }
}

interface Running {
  claim: ClaimedStepMessage;
  /** Aborted when the server says the claim is lost or its task was cancelled. */
  cancel: AbortController;
}

/**
 * Runs the same handlers as an in-process worker, over the worker protocol (docs/worker-protocol.md)
 * with no database access: long-polls the server for claims, runs each handler with its timeout,
 * reports the outcome and goes straight on with the `next` step the answer carries, and keeps its
 * leases with heartbeats. A cancelled task's running step is aborted when a heartbeat says so.
 */
export class RemoteWorker {
  private registration: RegisteredWorker | undefined;
  private running = false;
  private loop: Promise<void> | undefined;
  private heartbeatTimer: NodeJS.Timeout | undefined;
  private readonly inFlight = new Map<string, Running>();
  private readonly slotFreed = new Waker();
  private readonly poll = new AbortController();
  private readonly shutdown = new AbortController();
  private completed = 0;
  private failed = 0;

  constructor(
    private readonly registry: HandlerRegistry,
    private readonly logger: Logger,
    private readonly opts: RemoteWorkerOptions,
  ) {}

  get workerId(): string {
    return this.registration?.worker_id ?? this.opts.workerId ?? "";
  }

  async start(): Promise<void> {
    if (this.running) return;
    for (const yaml of this.opts.templates ?? []) await this.call("POST", "/v1/templates", { yaml });
    await this.register();
    this.running = true;
    this.loop = this.claimLoop();
    const interval = this.registration?.heartbeat_interval_ms ?? 10_000;
    this.heartbeatTimer = setInterval(() => void this.beat(), interval);
    this.heartbeatTimer.unref();
    this.logger.info(
      { worker_id: this.workerId, namespaces: this.opts.namespaces, server: this.opts.orchestrationUrl },
      "remote worker started",
    );
  }

  /** Stops claiming, lets running steps finish (up to the grace period), then deregisters. */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    await this.call("POST", `/v1/worker/workers/${this.workerId}/drain`).catch(() => undefined);
    this.poll.abort();
    this.slotFreed.wake();
    await this.loop;
    const drained = await this.drained(this.opts.shutdownTimeoutMs ?? 30_000);
    // Handlers still running see the abort; their claims are handed back by the deregistration.
    if (!drained) this.shutdown.abort(new Error("worker shutting down"));
    await this.drained(5_000);
    clearInterval(this.heartbeatTimer);
    await this.call("DELETE", `/v1/worker/workers/${this.workerId}`).catch((err) =>
      this.logger.warn({ err: (err as Error).message }, "remote worker could not deregister"),
    );
    this.logger.info(
      { worker_id: this.workerId, completed: this.completed, failed: this.failed },
      "remote worker stopped",
    );
  }

  status() {
    return {
      workerId: this.workerId,
      running: this.running,
      namespaces: this.opts.namespaces,
      handlers: this.registry.callables(),
      inFlight: this.inFlight.size,
      completed: this.completed,
      failed: this.failed,
    };
  }

  private async register(): Promise<void> {
    const body: RegisterWorker = {
      ...(this.opts.workerId ? { worker_id: this.opts.workerId } : {}),
      namespaces: this.opts.namespaces,
      handlers: this.registry.callables(),
      concurrency: this.opts.concurrency ?? 10,
      lease_seconds: this.opts.leaseSeconds ?? 30,
      sdk: SDK,
      hostname: hostname(),
      pid: process.pid,
    };
    this.registration = await this.call<RegisteredWorker>("POST", "/v1/worker/workers", body);
  }

  /** Claims while there are free slots; each claimed step runs with the steps it continues with. */
  private async claimLoop(): Promise<void> {
    const concurrency = this.opts.concurrency ?? 10;
    let backoffMs = RETRY_FIRST_MS;
    while (this.running) {
      const free = concurrency - this.inFlight.size;
      if (free <= 0) {
        await this.slotFreed.wait(1000);
        continue;
      }
      try {
        const { steps } = await this.call<ClaimResponse>(
          "POST",
          `/v1/worker/workers/${this.workerId}/claims`,
          {
            max_steps: Math.min(free, this.registration?.max_steps_per_claim ?? 100),
            wait_ms: this.opts.claimWaitMs ?? 10_000,
          },
          this.poll.signal,
        );
        backoffMs = RETRY_FIRST_MS;
        for (const claim of steps) void this.runChain(claim);
      } catch (err) {
        if (!this.running) return;
        if (err instanceof ProtocolError && err.status === 404) await this.register().catch(() => undefined);
        this.logger.error({ err: (err as Error).message, retry_in_ms: backoffMs }, "claiming steps failed");
        await new Promise((r) => setTimeout(r, backoffMs));
        backoffMs = Math.min(backoffMs * 2, RETRY_MAX_MS);
      }
    }
  }

  /** Runs a claimed step, then each `next` step the server claimed for this worker with its result. */
  private async runChain(first: ClaimedStepMessage): Promise<void> {
    let claim: ClaimedStepMessage | null = first;
    while (claim) {
      const running: Running = { claim, cancel: new AbortController() };
      this.inFlight.set(claim.claim_token, running);
      try {
        const outcome = await this.execute(running);
        if (running.cancel.signal.aborted && running.cancel.signal.reason === "lost") return;
        if (!outcome.ok && this.shutdown.signal.aborted) return; // handed back by the deregistration
        claim = await this.report(claim, outcome);
      } finally {
        this.inFlight.delete(running.claim.claim_token);
        this.slotFreed.wake();
      }
    }
  }

  private execute({ claim, cancel }: Running): Promise<AttemptOutcome> {
    const handler = this.registry.get(claim.handler_callable);
    if (!handler) return Promise.resolve(this.registry.missing(claim.handler_callable, this.workerId));
    const log = lazyChild(this.logger, {
      task_uuid: claim.task_uuid,
      step_uuid: claim.step_uuid,
      step: claim.step_name,
    });
    const secondsLeft = Math.max(0.001, (Date.parse(claim.deadline) - Date.now()) / 1000);
    return runHandler(
      handler,
      {
        taskUuid: claim.task_uuid,
        stepUuid: claim.step_uuid,
        stepName: claim.step_name,
        taskName: claim.task_name,
        namespace: claim.namespace,
        version: claim.version,
        correlationId: claim.correlation_id,
        input: claim.context,
        dependencyResults: claim.dependency_results,
        attempt: claim.attempt,
        maxAttempts: claim.max_attempts,
        initialization: claim.initialization,
        batchConfig:
          (claim.batch_config as BatchConfig | null | undefined) ?? batchConfigOf(claim.initialization),
        logger: log,
        resumeFrom: claim.checkpoint ?? null,
        checkpoint: checkpointer(claim.step_uuid, async (json) => {
          try {
            const saved = await this.call<CheckpointResponse>(
              "POST",
              `/v1/worker/workers/${this.workerId}/checkpoint`,
              { claim_token: claim.claim_token, checkpoint: JSON.parse(json) },
            );
            if (saved.status === "cancelled") cancel.abort("cancelled");
            return true;
          } catch (err) {
            if (err instanceof ProtocolError && err.status === 409) return false;
            throw err;
          }
        }),
      },
      Math.min(claim.timeout_seconds, secondsLeft),
      AbortSignal.any([this.shutdown.signal, cancel.signal]),
    );
  }

  /**
   * Reports an outcome, trying again while the server is away. Trying long after the lease is
   * harmless (a claim that passed to another worker is answered 409 and nothing is stored) and
   * saves a run when the server comes back before anyone took the step over (a restart), so the
   * window is the longer of the lease and REPORT_RETRY_MIN_MS. Returns the next claimed step.
   */
  private async report(
    claim: ClaimedStepMessage,
    outcome: AttemptOutcome,
  ): Promise<ClaimedStepMessage | null> {
    const body: ReportResult = {
      claim_token: claim.claim_token,
      outcome: outcome.ok
        ? { status: "success", result: outcome.result }
        : {
            status: "failure",
            error: {
              message: outcome.error.message,
              retryable: outcome.error.retryable,
              code: outcome.error.code,
              retry_after_ms: outcome.error.retry_after_ms,
              metadata: outcome.error.metadata,
              kind:
                outcome.error.kind === "worker_lost" || outcome.error.kind === "manual"
                  ? undefined
                  : outcome.error.kind,
            },
          },
      continue: this.running,
    };
    const tooLarge = this.oversized(body);
    const sent = tooLarge ?? body;
    const started = Date.now();
    const windowMs = Math.max((this.registration?.lease_seconds ?? 30) * 1000, REPORT_RETRY_MIN_MS);
    for (let attempt = 1; ; attempt++) {
      try {
        const answer = await this.call<ReportResponse>(
          "POST",
          `/v1/worker/workers/${this.workerId}/results`,
          sent,
        );
        if (outcome.ok && !tooLarge) this.completed++;
        else this.failed++;
        return answer.next;
      } catch (err) {
        if (err instanceof ProtocolError && err.status < 500) {
          // 409: a duplicate, or the lease passed to another worker: nothing was stored, by design.
          this.logger.warn({ err: err.message, step_uuid: claim.step_uuid }, "result not stored");
          return null;
        }
        const delayMs = Math.min(RETRY_FIRST_MS * 2 ** (attempt - 1), RETRY_MAX_MS);
        if (this.shutdown.signal.aborted || Date.now() + delayMs - started > windowMs) {
          this.logger.error(
            { err: (err as Error).message },
            "reporting a result failed; the step runs again after its lease",
          );
          return null;
        }
        await new Promise((r) => setTimeout(r, delayMs));
      }
    }
  }

  /** A result or error the server would refuse for its size becomes a permanent `result_too_large`. */
  private oversized(body: ReportResult): ReportResult | undefined {
    const limit = this.registration?.max_result_bytes;
    if (!limit) return undefined;
    const bytes = Buffer.byteLength(JSON.stringify(body.outcome));
    if (bytes <= limit) return undefined;
    return {
      claim_token: body.claim_token,
      outcome: {
        status: "failure",
        error: {
          message: `the handler's ${body.outcome.status === "success" ? "result" : "error"} is ${bytes} bytes as JSON, over the server's limit of ${limit} bytes (max_result_bytes); store large data elsewhere and return a reference`,
          retryable: false,
          code: "result_too_large",
          metadata: { bytes, limit },
        },
      },
      continue: body.continue,
    };
  }

  /** Extends the leases of the running steps; aborts those the server says are lost or cancelled. */
  private async beat(): Promise<void> {
    if (!this.registration) return;
    const tokens = [...this.inFlight.keys()];
    try {
      const answer = await this.call<HeartbeatResponse>(
        "POST",
        `/v1/worker/workers/${this.workerId}/heartbeat`,
        {
          claim_tokens: tokens,
        },
      );
      for (const c of answer.claims) {
        if (c.status === "held") continue;
        const running = this.inFlight.get(c.claim_token);
        running?.cancel.abort(c.status);
        this.logger.info(
          { step_uuid: running?.claim.step_uuid, status: c.status },
          "running step stopped by the server",
        );
      }
    } catch (err) {
      this.logger.warn({ err: (err as Error).message }, "remote worker heartbeat failed");
    }
  }

  private async drained(timeoutMs: number): Promise<boolean> {
    const until = Date.now() + timeoutMs;
    while (this.inFlight.size > 0) {
      if (Date.now() >= until) return false;
      await this.slotFreed.wait(Math.min(100, until - Date.now()));
    }
    return true;
  }

  private async call<T = unknown>(
    method: string,
    path: string,
    body?: unknown,
    signal?: AbortSignal,
  ): Promise<T> {
    const headers: Record<string, string> = { accept: "application/json" };
    if (body !== undefined) headers["content-type"] = "application/json";
    if (this.opts.apiKey) headers["x-api-key"] = this.opts.apiKey;
    const response = await fetch(new URL(path, this.opts.orchestrationUrl), {
      method,
      headers,
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      ...(signal ? { signal } : {}),
    });
    const text = await response.text();
    if (!response.ok) {
      let code: string | undefined;
      let message = `${method} ${path} answered ${response.status}`;
      try {
        const envelope = JSON.parse(text) as { error?: { code?: string; message?: string } };
        code = envelope.error?.code;
        if (envelope.error?.message) message = `${message}: ${envelope.error.message}`;
      } catch {
        // not the error envelope: keep the status line
      }
      throw new ProtocolError(response.status, code, message);
    }
    return (text ? JSON.parse(text) : undefined) as T;
  }
}
