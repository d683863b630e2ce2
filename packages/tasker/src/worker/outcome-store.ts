import { toStorableText } from "../model/storable-text.js";
import type { Logger } from "../observability/logger.js";
import type { MetricsSink } from "../observability/metrics-sink.js";
import {
  type AppliedWorkerOutcome,
  applyWorkerOutcome,
  type ContinueWith,
  storeWorkerSuccesses,
  type WorkerOutcome,
  type WorkerSuccess,
} from "../orchestrator/apply-worker-outcome.js";
import type { KnownTask } from "../orchestrator/known-task.js";
import { recordOutcomeMetrics } from "../orchestrator/orchestrator.js";
import type { Database } from "../store/database.js";
import type { ClaimedStep } from "../store/sql/steps.js";
import { GroupCommit } from "./group-commit.js";
import type { AttemptOutcome } from "./run-handler.js";

/** Backoff between tries at storing an outcome while the database is away: 100 ms doubling to 2 s. */
const STORE_RETRY_FIRST_MS = 100;
const STORE_RETRY_MAX_MS = 2000;

/** Options of {@link OutcomeStore}. */
export interface OutcomeStoreOptions {
  /** Random spread added to retry backoffs, in percent. */
  jitterPercent: number;
  /** Transactions storing successes at once (group commit). */
  writeConcurrency: number;
  /** Successes in one transaction at most. */
  maxBatch: number;
  /** Aborted at shutdown: a store is not tried again after it. */
  shutdown: AbortSignal;
  metrics?: MetricsSink | undefined;
}

/** One attempt's outcome, as its worker hands it over to be stored. */
export interface AttemptToStore {
  claim: Pick<ClaimedStep, "task_uuid" | "workflow_step_uuid" | "attempts">;
  /** The claim holder: only it, on this attempt, may store the outcome. */
  workerId: string;
  /** The delivery's queue row (Postgres transport), deleted with the outcome. */
  outboxMsgId: string | null;
  outcome: AttemptOutcome;
  log: Logger;
  /** Claim a step the result made ready for this worker (see ContinueWith). */
  continueWith?: ContinueWith | undefined;
  /** The task as the claim left it: a success is planned in advance from it (see KnownTask). */
  known?: KnownTask | undefined;
  /** What the handler was given as its dependencies' results (with `known`, see claimFromKnown). */
  given?: Readonly<Record<string, unknown>> | undefined;
  /** How long a store is tried again while the database is away: half the claim's lease. */
  retryForMs: number;
}

/** What storing did: undefined when the claim was lost (nothing was written). */
export type StoredAttempt = { applied: AppliedWorkerOutcome; ok: boolean } | undefined;

/**
 * Stores attempts' outcomes and advances their tasks, for in-process workers and for the worker
 * protocol's server alike. Successes go through a group commit (those that finish while every
 * write is under way are stored together, planned in advance where the task is known); failures
 * are decided on the locked task row. A transaction that fails is tried again for `retryForMs`.
 *
 * An outcome that cannot be stored (the database refuses it, or is away for longer than the
 * retries last) is replaced by a retryable `outcome_not_stored` failure, so the attempt counts
 * and the retry policy decides: left unstored, the step would run again after its lease without
 * its attempts ever running out.
 */
export class OutcomeStore {
  private readonly successes: GroupCommit<
    WorkerSuccess & { retryForMs: number },
    AppliedWorkerOutcome | undefined
  >;

  constructor(
    private readonly db: Database,
    private readonly opts: OutcomeStoreOptions,
  ) {
    this.successes = new GroupCommit((batch) => this.storeSuccesses(batch), {
      maxInFlight: opts.writeConcurrency,
      maxBatch: opts.maxBatch,
      key: (s) => s.outcome.taskUuid,
    });
  }

  async store(a: AttemptToStore): Promise<StoredAttempt> {
    try {
      return await this.storeAs(a, a.outcome);
    } catch (err) {
      // If this fails too (the database is still away), the error goes up: the step's lease runs
      // out and it is taken over, the claim counting the attempt (or failed by the lost-claim
      // sweep when it was the last).
      a.log.error(
        { err: errorText(err), code: sqlState(err) },
        "storing the step outcome failed; storing it as a failed attempt instead",
      );
      return await this.storeAs(
        { ...a, known: undefined, given: undefined },
        outcomeNotStored(a.outcome, err),
      );
    }
  }

  private async storeAs(a: AttemptToStore, outcome: AttemptOutcome): Promise<StoredAttempt> {
    const w: WorkerOutcome = {
      taskUuid: a.claim.task_uuid,
      stepUuid: a.claim.workflow_step_uuid,
      workerId: a.workerId,
      attempts: a.claim.attempts,
      outboxMsgId: a.outboxMsgId,
      outcome,
    };
    const applied = outcome.ok
      ? await this.successes.submit({
          outcome: { ...w, outcome },
          continueWith: a.continueWith,
          known: a.known,
          dependencyResults: a.given,
          logger: a.log,
          retryForMs: a.retryForMs,
        })
      : await this.withRetries(a.log, a.retryForMs, () =>
          this.db.transaction(
            (tx) =>
              applyWorkerOutcome(tx, w, {
                jitterPercent: this.opts.jitterPercent,
                logger: a.log,
                continueWith: a.continueWith,
              }),
            { genericPlans: true },
          ),
        );
    if (!applied) {
      a.log.warn("result discarded: this worker's claim expired and the step was taken over");
      return undefined;
    }
    if (this.opts.metrics) recordOutcomeMetrics(this.opts.metrics, applied);
    return { applied, ok: outcome.ok };
  }

  /**
   * One group commit's successes in one transaction (two when some were planned in advance from
   * a task that had moved, see storeWorkerSuccesses). Those whose transaction failed are tried
   * again each on its own (with retries), so that one bad write cannot fail the others; those
   * already committed are not.
   */
  private async storeSuccesses(
    batch: readonly (WorkerSuccess & { retryForMs: number })[],
  ): Promise<PromiseSettledResult<AppliedWorkerOutcome | undefined>[]> {
    const store = (items: readonly WorkerSuccess[]) =>
      storeWorkerSuccesses((fn) => this.db.transaction(fn, { genericPlans: true }), items);
    // A retry plans from the read: the task its worker knew may be what the failed try was about.
    const alone = (s: WorkerSuccess & { retryForMs: number }) => {
      let item: WorkerSuccess = s;
      return this.withRetries(s.logger, s.retryForMs, async () => {
        const [r] = await store([item]);
        item = { ...s, known: undefined };
        if (r?.status === "rejected") throw r.reason;
        return r?.value;
      });
    };
    if (batch.length === 1) return Promise.allSettled(batch.map(alone));
    const settled = await store(batch);
    const failed = settled.flatMap((r, i) => (r.status === "rejected" ? [i] : []));
    if (failed.length > 0) {
      const reason = (settled[failed[0]!] as PromiseRejectedResult).reason as Error;
      batch[0]?.logger.warn(
        { err: reason.message, outcomes: failed.length },
        "storing a batch of step outcomes failed; storing each on its own",
      );
      const retried = await Promise.allSettled(failed.map((i) => alone({ ...batch[i]!, known: undefined })));
      failed.forEach((i, k) => {
        settled[i] = retried[k]!;
      });
    }
    return settled;
  }

  /**
   * A failed transaction (deadlock, connection lost) is tried again for up to `retryForMs`: giving
   * up means the outcome is stored as a failed attempt (see store). A statement the database
   * refuses for its data is not tried again: it would be refused again.
   */
  private async withRetries<T>(log: Logger, retryForMs: number, apply: () => Promise<T>): Promise<T> {
    const storeStarted = Date.now();
    for (let attempt = 1; ; attempt++) {
      try {
        return await apply();
      } catch (err) {
        if (refusedForItsData(err)) throw err;
        // The handler's work is done: keep trying (the heartbeat keeps the claim meanwhile, and
        // the claim guard refuses a late write once another worker took over), so that a short
        // outage does not make the step run again.
        const delayMs = Math.min(STORE_RETRY_FIRST_MS * 2 ** (attempt - 1), STORE_RETRY_MAX_MS);
        if (this.opts.shutdown.aborted || Date.now() + delayMs - storeStarted > retryForMs) throw err;
        log.warn({ err: (err as Error).message, attempt }, "storing the step outcome failed; trying again");
        await new Promise((r) => setTimeout(r, delayMs));
      }
    }
  }
}

/**
 * SQLSTATE classes of errors about the statement's data rather than the database's state: 22
 * (data exception: bad text, a number out of range), 54 (program limit exceeded: a jsonb value or
 * a field over PostgreSQL's limits). Storing the same outcome again would fail the same way.
 */
const REFUSED_DATA_CLASSES = new Set(["22", "54"]);

function refusedForItsData(err: unknown): boolean {
  const code = sqlState(err);
  return code !== undefined && REFUSED_DATA_CLASSES.has(code.slice(0, 2));
}

/** The SQLSTATE of a database error (pg and the PGlite driver set `code`). */
function sqlState(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === "string" && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
}

function errorText(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return toStorableText(text.length > 500 ? `${text.slice(0, 500)}...` : text);
}

/** The failure stored in place of an outcome that could not be stored (see OutcomeStore.store). */
function outcomeNotStored(outcome: AttemptOutcome, err: unknown): AttemptOutcome {
  const payload = outcome.ok ? "result" : "error";
  return {
    ok: false,
    error: {
      message: `the handler's ${payload} could not be stored (${errorText(err)}); the attempt counts as failed and the step is retried while attempts remain`,
      code: "outcome_not_stored",
      retryable: true,
      kind: "retryable",
      metadata: {
        payload,
        sqlstate: sqlState(err) ?? null,
        ...(outcome.ok ? {} : { error_code: outcome.error.code }),
      },
      retry_after_ms: null,
    },
  };
}
