import { toStorableText } from "../model/storable-text.js";
import { errorMessage, type Logger } from "../observability/logger.js";
import type { MetricsSink } from "../observability/metrics-sink.js";
import type { Database } from "../store/database.js";
import type { StepOfTemplate } from "../store/sql/step-origin.js";
import { type ClaimedStep, readDependencyResults } from "../store/sql/steps.js";
import { reevaluateStoppedBatch } from "./batch-failures.js";
import type { AttemptOutcome } from "./decide-outcome.js";
import { missingStepCreation } from "./decision-outcomes.js";
import { GroupCommit } from "./group-commit.js";
import type { StepTypeOf } from "./step-types.js";
import {
  type ContinueWith,
  type OutcomePlanner,
  type OutcomeToStore,
  planFromCounts,
  type StoredOutcome,
} from "./store-outcomes.js";

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
  logger: Logger;
  /** How outcomes advance their tasks (default planFromCounts; planFromSteps is the reference). */
  planner?: OutcomePlanner | undefined;
  /** Finds a step's type, so that a decision's or batchable step's success without an outcome fails. */
  stepTypeOf?: StepTypeOf | undefined;
}

/** One attempt's outcome, as its worker hands it over to be stored. */
export interface AttemptToStore {
  claim: Pick<ClaimedStep, "task_uuid" | "workflow_step_uuid" | "attempts"> & { child_count?: number };
  /** Where the step comes from (its type is checked against its success); unknown: not checked. */
  step?: StepOfTemplate | undefined;
  /** The claim holder: only it, on this attempt, may store the outcome. */
  workerId: string;
  /** The delivery's queue row (Postgres transport), deleted with the outcome. */
  outboxMsgId: string | null;
  outcome: AttemptOutcome;
  log: Logger;
  /** Claim a step the result made ready for this worker (see ContinueWith). */
  continueWith?: ContinueWith | undefined;
  /** Recorded on the outcome's transition besides the worker's id. */
  metadata?: Record<string, unknown> | undefined;
  /** How long a store is tried again while the database is away: half the claim's lease. */
  retryForMs: number;
}

/** What storing did: undefined when the claim was lost (nothing was written). */
export type StoredAttempt = { stored: StoredOutcome; ok: boolean } | undefined;

type Item = OutcomeToStore & { retryForMs: number; log: Logger };

/**
 * Stores attempts' outcomes and advances their tasks, for in-process workers, the worker
 * protocol's server and the orchestrator's lost-claim sweep alike (see OutcomePlanner). Successes
 * go through a group commit (those that finish while every write is under way are stored
 * together, whatever their tasks); failures are stored each in its own transaction. A transaction
 * that fails is tried again for `retryForMs`.
 *
 * An outcome that cannot be stored (the database refuses it, or is away for longer than the
 * retries last) is replaced by a retryable `outcome_not_stored` failure, so the attempt counts
 * and the retry policy decides: left unstored, the step would run again after its lease without
 * its attempts ever running out.
 */
export class OutcomeStore {
  private readonly successes: GroupCommit<Item, StoredOutcome | undefined>;
  private readonly planner: OutcomePlanner;

  constructor(
    private readonly db: Database,
    private readonly opts: OutcomeStoreOptions,
  ) {
    this.planner = opts.planner ?? planFromCounts;
    this.successes = new GroupCommit((batch) => this.storeBatch(batch), {
      maxInFlight: opts.writeConcurrency,
      maxBatch: opts.maxBatch,
    });
  }

  async store(a: AttemptToStore): Promise<StoredAttempt> {
    const outcome = await this.checked(a);
    try {
      return await this.storeAs(a, outcome);
    } catch (err) {
      // If this fails too (the database is still away), the error goes up: the step's lease runs
      // out and it is taken over, the claim counting the attempt (or failed by the lost-claim
      // sweep when it was the last).
      a.log.error(
        { err: errorText(err), code: sqlState(err) },
        "storing the step outcome failed; storing it as a failed attempt instead",
      );
      return await this.storeAs(a, outcomeNotStored(outcome, err));
    }
  }

  /** The outcome to store: a success of the wrong shape for its step's type fails for good. */
  private async checked(a: AttemptToStore): Promise<AttemptOutcome> {
    if (!a.outcome.ok || !a.step || !this.opts.stepTypeOf) return a.outcome;
    const type = await this.opts.stepTypeOf(a.step).catch(() => undefined);
    return missingStepCreation(type, a.step.name, a.outcome) ?? a.outcome;
  }

  private async storeAs(a: AttemptToStore, outcome: AttemptOutcome): Promise<StoredAttempt> {
    const item: Item = {
      taskUuid: a.claim.task_uuid,
      stepUuid: a.claim.workflow_step_uuid,
      workerId: a.workerId,
      attempts: a.claim.attempts,
      outboxMsgId: a.outboxMsgId,
      outcome,
      continueWith: a.continueWith,
      childCount: a.claim.child_count,
      metadata: a.metadata,
      log: a.log,
      retryForMs: a.retryForMs,
    };
    const stored = outcome.ok ? await this.successes.submit(item) : await this.alone(item);
    if (stored?.next && stored.nextNeedsDependencies) {
      // Built from the step that ran, but it has dependencies of its own (a join): read theirs.
      stored.next.dependency_results = await readDependencyResults(this.db, stored.next.workflow_step_uuid);
    }
    if (!stored) {
      a.log.warn("result discarded: this worker's claim expired and the step was taken over");
      return undefined;
    }
    if (this.opts.metrics) recordOutcomeMetrics(this.opts.metrics, stored);
    if (stored.batchCancelled) {
      await reevaluateStoppedBatch(this.db, a.claim.task_uuid).catch((err: Error) =>
        a.log.warn({ err: err.message }, "re-evaluating the task of a stopped fail_fast batch failed"),
      );
    }
    // A success can still fail its step: a decision whose outcome cannot be applied.
    return { stored, ok: outcome.ok && stored.applied === "completed" };
  }

  /** Outcomes stored in one transaction. */
  private write(items: readonly Item[]): Promise<(StoredOutcome | undefined)[]> {
    return this.db.transaction(
      (tx) =>
        this.planner.store(tx, items, { jitterPercent: this.opts.jitterPercent, logger: this.opts.logger }),
      { genericPlans: true },
    );
  }

  /** One outcome in its own transaction, tried again while the database is away. */
  private alone(item: Item): Promise<StoredOutcome | undefined> {
    return this.withRetries(item.log, item.retryForMs, async () => (await this.write([item]))[0]);
  }

  /**
   * One group commit's successes in one transaction. If it fails, each is tried again on its own
   * (with retries), so that one bad write cannot fail the others.
   */
  private async storeBatch(
    batch: readonly Item[],
  ): Promise<PromiseSettledResult<StoredOutcome | undefined>[]> {
    if (batch.length === 1) return Promise.allSettled(batch.map((item) => this.alone(item)));
    try {
      const stored = await this.write(batch);
      return stored.map((value) => ({ status: "fulfilled", value }));
    } catch (err) {
      batch[0]?.log.warn(
        { err: (err as Error).message, outcomes: batch.length },
        "storing a batch of step outcomes failed; storing each on its own",
      );
      return Promise.allSettled(batch.map((item) => this.alone(item)));
    }
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

/** Step and task metrics for one stored outcome. */
export function recordOutcomeMetrics(metrics: MetricsSink, stored: StoredOutcome): void {
  if (stored.applied === "completed" && stored.durationSeconds !== undefined) {
    metrics.stepFinished(stored.namespace, stored.stepName, stored.durationSeconds);
  }
  if (stored.applied === "retry_scheduled") metrics.stepRetried(stored.namespace);
  if (stored.taskFinished) metrics.taskFinished(stored.namespace, stored.taskStatus);
}

function errorText(err: unknown): string {
  const text = errorMessage(err);
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
