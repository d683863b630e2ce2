import type { StepError } from "../model/task-response.js";
import type { Logger } from "../observability/logger.js";
import { PermanentError, RetryableError } from "./errors.js";
import type { StepContext, StepHandler } from "./handler.js";

export type AttemptOutcome =
  | { ok: true; result: unknown }
  | { ok: false; error: StepError & { retry_after_ms: number | null } };

export class StepTimeoutError extends Error {
  constructor(seconds: number) {
    super(`step timed out after ${seconds}s (timeout_seconds); it will be retried while attempts remain`);
    this.name = "StepTimeoutError";
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
  const controller = new AbortController();
  const timeout = new StepTimeoutError(timeoutSeconds);
  const timer = setTimeout(() => controller.abort(timeout), timeoutSeconds * 1000);
  const onShutdown = () => controller.abort(shutdown.reason);
  shutdown.addEventListener("abort", onShutdown, { once: true });
  const aborted = new Promise<never>((_, reject) => {
    controller.signal.addEventListener("abort", () => reject(controller.signal.reason), { once: true });
  });
  try {
    const result = await Promise.race([handler.handle({ ...ctx, signal: controller.signal }), aborted]);
    return { ok: true, result: result === undefined ? null : toJson(result) };
  } catch (err) {
    return { ok: false, error: describeError(err, ctx.logger) };
  } finally {
    clearTimeout(timer);
    shutdown.removeEventListener("abort", onShutdown);
  }
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
