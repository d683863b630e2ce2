import type { AttemptOutcome } from "../lifecycle/decide-outcome.js";
import { bytesOverLimit, DEFAULT_MAX_RESULT_BYTES, isStringTooLong } from "../model/result-limits.js";
import { findUnstorableText, toStorableJson, toStorableText } from "../model/storable-text.js";
import { errorMessage, type Logger } from "../observability/logger.js";
import { CheckpointRefusedError, PermanentError, RetryableError } from "./errors.js";
import type { StepContext, StepHandler } from "./handler.js";

type AttemptError = Extract<AttemptOutcome, { ok: false }>["error"];

/** How large an attempt's outcome may be to be stored (see worker `maxResultBytes`). */
export interface ResultLimits {
  /** The largest result or error, in bytes of UTF-8 JSON. */
  maxResultBytes: number;
}

export const DEFAULT_RESULT_LIMITS: Readonly<ResultLimits> = Object.freeze({
  maxResultBytes: DEFAULT_MAX_RESULT_BYTES,
});

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
 * timeout or worker shutdown; the attempt ends at that moment even if the handler ignores it. A
 * result or error over `limits.maxResultBytes` (or holding text PostgreSQL cannot store) fails the
 * step permanently: it would fail to be stored on every attempt.
 */
export async function runHandler(
  handler: StepHandler,
  ctx: Omit<StepContext, "signal">,
  timeoutSeconds: number,
  shutdown: AbortSignal,
  limits: Readonly<ResultLimits> = DEFAULT_RESULT_LIMITS,
): Promise<AttemptOutcome> {
  const abort = new AttemptSignal();
  let reject!: (reason: unknown) => void;
  const aborted = new Promise<never>((_, r) => {
    reject = r;
  });
  // The attempt's end is decided before the handler's own abort listeners run (the reason is
  // always defined: a StepTimeoutError, or the aborted shutdown signal's reason).
  let ended = false;
  const stop: Stop = (reason) => {
    ended = true;
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
  // `signal` is an enumerable accessor: a spread of the context reads it, as it read the field. The
  // context's own accessors stay accessors (dependencyResults made when first read, see defineLazy).
  const context = Object.defineProperties(
    {
      get signal() {
        return abort.signal;
      },
    },
    Object.getOwnPropertyDescriptors(ctx),
  ) as StepContext;
  // A handler that goes on after its attempt ended (timed out, stopped) must not move the
  // checkpoint the next attempt resumes from.
  const save = ctx.checkpoint;
  if (save) {
    context.checkpoint = (value) =>
      ended
        ? Promise.reject(
            new CheckpointRefusedError(ctx.stepUuid, "its attempt has ended (timed out or stopped)"),
          )
        : save(value);
  }
  let result: unknown;
  try {
    result = await Promise.race([handler.handle(context), aborted]);
  } catch (err) {
    return { ok: false, error: storableError(err, ctx.logger, limits.maxResultBytes) };
  } finally {
    ended = true;
    deadlines.delete(deadline);
    attempts?.delete(stop);
  }
  return storableResult(result, ctx.logger, limits.maxResultBytes);
}

/**
 * The result as it is stored and later read (a JSON round trip: Dates become strings, etc.), or
 * the permanent failure that takes its place when it cannot be stored: too large, or holding
 * unstorable text. Either would fail every attempt to store it, and the step could never end.
 */
function storableResult(result: unknown, logger: Logger, maxBytes: number): AttemptOutcome {
  if (result === undefined) return { ok: true, result: null };
  try {
    const text = JSON.stringify(result);
    // Measured on the text the round trip makes anyway: a result too large is never parsed back.
    const size = typeof text === "string" ? bytesOverLimit(text, maxBytes) : undefined;
    if (size !== undefined) return { ok: false, error: tooLarge("result", size, maxBytes) };
    const json: unknown = JSON.parse(text);
    const bad = findUnstorableText(json);
    if (bad) return { ok: false, error: unstorableResult(bad) };
    return { ok: true, result: json };
  } catch (err) {
    if (isStringTooLong(err)) return { ok: false, error: tooLarge("result", null, maxBytes) };
    return { ok: false, error: storableError(err, logger, maxBytes) };
  }
}

/** A thrown error as it is stored: storable text, and within the size limit. */
function storableError(err: unknown, logger: Logger, maxBytes: number): AttemptError {
  const error = toStorableJson(describeError(err, logger)) as AttemptError;
  let text: string;
  try {
    text = JSON.stringify(error);
  } catch (e) {
    if (isStringTooLong(e)) return tooLarge("error", null, maxBytes, error);
    // Metadata JSON cannot hold (a BigInt): keep the error, say why its metadata is missing.
    return { ...error, metadata: { unstorable_metadata: toStorableText(String((e as Error).message)) } };
  }
  const size = bytesOverLimit(text, maxBytes);
  return size === undefined ? error : tooLarge("error", size, maxBytes, error);
}

/** How much of a too-large error's message is kept in the error that replaces it. */
const PREVIEW_CHARS = 200;

/**
 * The permanent failure stored in place of a result or error over the limit (`size` null: too
 * large even to serialise). Permanent: the handler would most likely produce it again, and each
 * attempt costs its whole size in memory.
 */
function tooLarge(
  payload: "result" | "error",
  size: number | null,
  limit: number,
  original?: AttemptError,
): AttemptError {
  const measured =
    size === null
      ? "too large to serialise (longer than JavaScript's longest string)"
      : `${size} bytes as JSON`;
  const advice =
    payload === "result"
      ? "keep bulky data in your own tables or object storage and return a reference"
      : "throw a short message and log the details";
  const message = original?.message ?? "";
  const began = original
    ? ` Its message began: ${JSON.stringify(toStorableText(message.slice(0, PREVIEW_CHARS)))}${message.length > PREVIEW_CHARS ? "..." : ""}`
    : "";
  return {
    message: `the handler's ${payload} is ${measured}; the limit is ${limit} bytes (worker max_result_bytes), so it cannot be stored: ${advice}.${began}`,
    code: "result_too_large",
    retryable: false,
    kind: "permanent",
    metadata: {
      payload,
      size_bytes: size,
      limit_bytes: limit,
      ...(original ? { error_code: original.code } : {}),
    },
    retry_after_ms: null,
  };
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

/** What an error's `cause` chain says, one entry per cause (database errors keep their fields). */
export interface ErrorCause {
  name: string;
  message: string;
  /** e.g. PostgreSQL's SQLSTATE (`23503`) or Node's `ECONNREFUSED`. */
  code?: string;
  detail?: string;
  hint?: string;
  constraint?: string;
  schema?: string;
  table?: string;
  column?: string;
}

/** PostgreSQL's error fields, as pg and PGlite set them on their errors. */
const CAUSE_FIELDS = ["code", "detail", "hint", "constraint", "schema", "table", "column"] as const;
const MAX_CAUSES = 5;

/**
 * The chain of `err.cause` (at most 5 deep), each with its name, message and the PostgreSQL fields
 * it carries. A query builder's error (Drizzle's `Failed query: insert ...`) says which statement
 * failed; its cause says why (`23503`, the constraint, the key): both are kept.
 */
export function causeChain(err: unknown): ErrorCause[] {
  const chain: ErrorCause[] = [];
  const seen = new Set<unknown>([err]);
  let cause = err instanceof Error ? err.cause : undefined;
  while (cause !== undefined && cause !== null && !seen.has(cause) && chain.length < MAX_CAUSES) {
    seen.add(cause);
    const e = cause as Record<string, unknown>;
    const entry: ErrorCause = {
      name: cause instanceof Error ? cause.name : typeof cause,
      message: errorMessage(cause),
    };
    for (const field of CAUSE_FIELDS) {
      const value = e[field];
      if (typeof value === "string" && value !== "") entry[field] = value;
    }
    chain.push(entry);
    cause = cause instanceof Error ? cause.cause : undefined;
  }
  return chain;
}

/** ` (caused by error 23503: insert ... violates foreign key constraint "x": Key (id)=(9) is not present ...)` */
function causeSuffix(message: string, chain: readonly ErrorCause[]): string {
  const root = chain[chain.length - 1];
  if (!root || message.includes(root.message)) return "";
  const code = root.code ? ` ${root.code}` : "";
  return ` (caused by ${root.name}${code}: ${root.message}${root.detail ? `; ${root.detail}` : ""})`;
}

/** The handler's metadata with the cause chain added (as `cause`), when there is one. */
function withCauses(
  metadata: Record<string, unknown> | null | undefined,
  chain: readonly ErrorCause[],
): Record<string, unknown> | null {
  if (chain.length === 0) return metadata ?? null;
  return { ...metadata, cause: chain };
}

export function describeError(err: unknown, logger?: Logger): AttemptError {
  const chain = causeChain(err);
  if (err instanceof PermanentError) {
    return {
      message: err.message + causeSuffix(err.message, chain),
      code: err.code ?? null,
      retryable: false,
      kind: "permanent",
      metadata: withCauses(err.metadata, chain),
      retry_after_ms: null,
    };
  }
  if (err instanceof RetryableError) {
    return {
      message: err.message + causeSuffix(err.message, chain),
      code: err.code ?? null,
      retryable: true,
      kind: "retryable",
      metadata: withCauses(err.metadata, chain),
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
  const thrown = errorMessage(err);
  const message = thrown + causeSuffix(thrown, chain);
  logger?.warn(
    { err: message.length > 1000 ? `${message.slice(0, 1000)}... (${message.length} characters)` : message },
    "handler threw an unexpected error (treated as retryable)",
  );
  return {
    message,
    code: err instanceof Error ? err.name : null,
    retryable: true,
    kind: "retryable",
    metadata: withCauses(null, chain),
    retry_after_ms: null,
  };
}
