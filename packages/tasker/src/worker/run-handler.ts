import { findUnstorableText, toStorableJson, toStorableText } from "../model/storable-text.js";
import type { StepError } from "../model/task-response.js";
import type { Logger } from "../observability/logger.js";
import { PermanentError, RetryableError } from "./errors.js";
import type { StepContext, StepHandler } from "./handler.js";

type AttemptError = StepError & { retry_after_ms: number | null };

export type AttemptOutcome = { ok: true; result: unknown } | { ok: false; error: AttemptError };

export class StepTimeoutError extends Error {
  constructor(seconds: number) {
    super(`step timed out after ${seconds}s (timeout_seconds); it will be retried while attempts remain`);
    this.name = "StepTimeoutError";
  }
}

/** How an attempt is cut short: `stop(reason)` ends it with `reason` and aborts its signal. */
type Stop = (reason: unknown) => void;

/**
 * The attempts running under each shutdown signal, stopped when it aborts: one listener per
 * signal rather than one added and removed per attempt (a visible share of a step's own time).
 */
const runningUnder = new WeakMap<AbortSignal, Set<Stop>>();

function attemptsUnder(shutdown: AbortSignal): Set<Stop> {
  let attempts = runningUnder.get(shutdown);
  if (!attempts) {
    const stops = new Set<Stop>();
    shutdown.addEventListener("abort", () => {
      for (const stop of [...stops]) stop(shutdown.reason);
    });
    runningUnder.set(shutdown, stops);
    attempts = stops;
  }
  return attempts;
}

// The error is made when it happens: an Error captures a stack trace, which costs on every step.
function timeOut(stop: Stop, seconds: number): void {
  stop(new StepTimeoutError(seconds));
}

/** An attempt's deadline: `expire` runs once `at` (performance.now()) has passed. */
interface Deadline {
  at: number;
  expire: () => void;
}

// setTimeout's longest delay (a longer one fires at once); a later deadline re-arms when it fires.
const MAX_DELAY_MS = 2 ** 31 - 1;

/**
 * The deadlines of the running attempts, on one timer armed for the earliest. A timer set and
 * cleared per attempt was a visible share of a step's own time; a chain's deadlines only grow, so
 * the armed timer stays right and a step touches only a Set. The timer holds the process open only
 * while an attempt runs, as a timer per attempt did.
 */
export class AttemptDeadlines {
  private readonly running = new Set<Deadline>();
  private timer: NodeJS.Timeout | undefined;
  private armedAt = Number.POSITIVE_INFINITY;

  add(deadline: Deadline): void {
    this.running.add(deadline);
    if (deadline.at < this.armedAt) this.arm(deadline.at);
    else this.timer?.ref();
  }

  delete(deadline: Deadline): void {
    this.running.delete(deadline);
    if (this.running.size === 0) this.timer?.unref();
  }

  /** Attempts with a deadline (for tests). */
  get size(): number {
    return this.running.size;
  }

  private arm(at: number): void {
    if (this.timer) clearTimeout(this.timer);
    this.armedAt = at;
    const delay = Math.min(Math.max(0, at - performance.now()), MAX_DELAY_MS);
    this.timer = setTimeout(() => this.fire(), delay);
  }

  private fire(): void {
    this.timer = undefined;
    this.armedAt = Number.POSITIVE_INFINITY;
    const now = performance.now();
    let next = Number.POSITIVE_INFINITY;
    for (const d of [...this.running]) {
      if (d.at <= now) {
        this.running.delete(d);
        d.expire();
      } else if (d.at < next) {
        next = d.at;
      }
    }
    if (next < Number.POSITIVE_INFINITY) this.arm(next);
  }
}

const deadlines = new AttemptDeadlines();

/**
 * An attempt's AbortSignal, made when the handler first reads it: most handlers never do, and an
 * AbortController costs more than the rest of a no-op step's context.
 */
class AttemptSignal {
  private controller: AbortController | undefined;
  private stopped = false;
  private reason: unknown;

  get signal(): AbortSignal {
    if (!this.controller) {
      this.controller = new AbortController();
      if (this.stopped) this.controller.abort(this.reason);
    }
    return this.controller.signal;
  }

  abort(reason: unknown): void {
    if (this.stopped) return;
    this.stopped = true;
    this.reason = reason;
    this.controller?.abort(reason);
  }
}

/**
 * Runs one attempt of a handler with the step's timeout. The handler's AbortSignal fires on
 * timeout or worker shutdown; the attempt ends at that moment even if the handler ignores it.
 */
export async function runHandler(
  handler: StepHandler,
  ctx: Omit<StepContext, "signal">,
  timeoutSeconds: number,
  shutdown: AbortSignal,
): Promise<AttemptOutcome> {
  const abort = new AttemptSignal();
  let reject!: (reason: unknown) => void;
  const aborted = new Promise<never>((_, r) => {
    reject = r;
  });
  // The attempt's end is decided before the handler's own abort listeners run (the reason is
  // always defined: a StepTimeoutError, or the aborted shutdown signal's reason).
  const stop: Stop = (reason) => {
    reject(reason);
    abort.abort(reason);
  };
  const deadline: Deadline = {
    at: performance.now() + timeoutSeconds * 1000,
    expire: () => timeOut(stop, timeoutSeconds),
  };
  deadlines.add(deadline);
  const attempts = shutdown.aborted ? undefined : attemptsUnder(shutdown);
  attempts?.add(stop);
  // `signal` is an enumerable accessor: a spread of the context reads it, as it read the field.
  const context: StepContext = {
    get signal() {
      return abort.signal;
    },
    ...ctx,
  };
  try {
    const result = await Promise.race([handler.handle(context), aborted]);
    const json = result === undefined ? null : toJson(result);
    // Unstorable text would make every attempt to save the result fail: the step could never end.
    const bad = findUnstorableText(json);
    if (bad) return { ok: false, error: unstorableResult(bad) };
    return { ok: true, result: json };
  } catch (err) {
    return { ok: false, error: toStorableJson(describeError(err, ctx.logger)) as AttemptError };
  } finally {
    deadlines.delete(deadline);
    attempts?.delete(stop);
  }
}

function unstorableResult(bad: { path: (string | number)[]; problem: string }): AttemptError {
  const where = ["result", ...bad.path].join(".");
  return {
    message: `the handler's result cannot be stored: ${toStorableText(where)} ${bad.problem}; return plain text (encode binary data, e.g. as base64)`,
    code: "unstorable_result",
    retryable: false,
    kind: "permanent",
    metadata: { path: toStorableText(where) },
    retry_after_ms: null,
  };
}

/** JSON round trip: what is stored is what dependants will read (Dates become strings, etc.). */
function toJson(value: unknown): unknown {
  return JSON.parse(JSON.stringify(value));
}

export function describeError(err: unknown, logger?: Logger): StepError & { retry_after_ms: number | null } {
  if (err instanceof PermanentError) {
    return {
      message: err.message,
      code: err.code ?? null,
      retryable: false,
      kind: "permanent",
      metadata: err.metadata ?? null,
      retry_after_ms: null,
    };
  }
  if (err instanceof RetryableError) {
    return {
      message: err.message,
      code: err.code ?? null,
      retryable: true,
      kind: "retryable",
      metadata: err.metadata ?? null,
      retry_after_ms: err.retryAfterMs ?? null,
    };
  }
  if (err instanceof StepTimeoutError) {
    return {
      message: err.message,
      code: "timeout",
      retryable: true,
      kind: "timeout",
      metadata: null,
      retry_after_ms: null,
    };
  }
  // Unknown errors are retryable: a bug or a blip looks the same from here; attempts bound it.
  const message = err instanceof Error ? err.message : String(err);
  logger?.warn({ err: message }, "handler threw an unexpected error (treated as retryable)");
  return {
    message,
    code: err instanceof Error ? err.name : null,
    retryable: true,
    kind: "retryable",
    metadata: null,
    retry_after_ms: null,
  };
}
