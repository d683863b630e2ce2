/** What a handler error carries besides its message; stored with the error on the step. */
export interface HandlerErrorOptions {
  /** A stable machine-readable code, e.g. `card_declined`; stored on the step. */
  code?: string;
  /** Extra facts stored with the error on the step. */
  metadata?: Record<string, unknown>;
  cause?: unknown;
}

/** The step cannot succeed by trying again (bad input, declined card): the step ends in `error`. */
export class PermanentError extends Error {
  readonly code: string | undefined;
  readonly metadata: Record<string, unknown> | undefined;
  constructor(message: string, options: HandlerErrorOptions = {}) {
    super(message, { cause: options.cause });
    this.name = "PermanentError";
    this.code = options.code;
    this.metadata = options.metadata;
  }
}

/** A transient failure (timeout, 503): the step is retried after backoff while attempts remain. */
export class RetryableError extends Error {
  readonly code: string | undefined;
  readonly metadata: Record<string, unknown> | undefined;
  /** Ask for this delay before the next attempt instead of the template's backoff. */
  readonly retryAfterMs: number | undefined;
  constructor(message: string, options: HandlerErrorOptions & { retryAfterMs?: number } = {}) {
    super(message, { cause: options.cause });
    this.name = "RetryableError";
    this.code = options.code;
    this.metadata = options.metadata;
    this.retryAfterMs = options.retryAfterMs;
  }
}

/**
 * A checkpoint was refused because this attempt no longer holds its step (the lease passed to
 * another worker, or the outcome was already stored): stop, nothing more of this attempt counts.
 */
export class CheckpointRefusedError extends RetryableError {
  constructor(
    stepUuid: string,
    why = "this attempt no longer holds the step (its lease passed to another worker)",
  ) {
    super(
      `the checkpoint of step ${stepUuid} was refused: ${why}; stop, nothing more of this attempt counts`,
      {
        code: "claim_not_held",
      },
    );
    this.name = "CheckpointRefusedError";
  }
}
