// Calls a downstream service over HTTP and turns every failure into the engine's vocabulary:
// a 404 or other client error can never succeed on retry (PermanentError); a 5xx, 429, timeout
// or unreachable host may (RetryableError).
import { PermanentError, RetryableError } from "@tasker-ts/tasker";
import type { z } from "zod";

export const DEFAULT_CALL_TIMEOUT_MS = 5_000;

export interface DownstreamCallOptions<T extends z.ZodType> {
  /** Name used in error messages and codes, e.g. `user_profiles`. */
  service: string;
  url: string;
  schema: T;
  /** The step's signal (step timeout, worker shutdown). */
  signal?: AbortSignal;
  /** Per-call timeout, independent of the step's own timeout. */
  timeoutMs?: number;
  headers?: Record<string, string>;
}

export async function callDownstream<T extends z.ZodType>(
  options: DownstreamCallOptions<T>,
): Promise<z.output<T>> {
  const { service, url, schema } = options;
  const timeoutMs = options.timeoutMs ?? DEFAULT_CALL_TIMEOUT_MS;
  const timeout = AbortSignal.timeout(timeoutMs);
  const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
  const metadata = { service, url };

  let response: Response;
  let body: string;
  try {
    response = await fetch(url, { headers: { accept: "application/json", ...options.headers }, signal });
    body = await response.text();
  } catch (error) {
    if (timeout.aborted) {
      throw new RetryableError(`${service} did not answer within ${timeoutMs} ms (${url})`, {
        code: "downstream_timeout",
        metadata: { ...metadata, timeout_ms: timeoutMs },
        cause: error,
      });
    }
    if (options.signal?.aborted) {
      throw new RetryableError(`call to ${service} was aborted: the step was cancelled or timed out`, {
        code: "aborted",
        metadata,
        cause: error,
      });
    }
    throw new RetryableError(`${service} is unreachable at ${url}: ${(error as Error).message}`, {
      code: "downstream_unreachable",
      metadata,
      cause: error,
    });
  }

  if (!response.ok)
    throw classifyFailure(service, url, response.status, response.headers.get("retry-after"), body);

  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    throw new RetryableError(`${service} answered ${response.status} with a body that is not JSON (${url})`, {
      code: "downstream_invalid_response",
      metadata,
    });
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    // A contract mismatch will not fix itself by retrying.
    throw new PermanentError(
      `${service} answered with an unexpected shape: ${parsed.error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`).join("; ")}`,
      { code: "downstream_contract_violation", metadata },
    );
  }
  return parsed.data;
}

/** The handler error for a non-2xx answer. Exported for unit tests of the policy. */
export function classifyFailure(
  service: string,
  url: string,
  status: number,
  retryAfter: string | null,
  body: string,
): PermanentError | RetryableError {
  const detail = errorDetail(body);
  const metadata = { service, url, status };
  if (status === 404) {
    return new PermanentError(`${service} has no such resource (404 ${url})${detail}`, {
      code: "downstream_not_found",
      metadata,
    });
  }
  if (status >= 500 || status === 429 || status === 408) {
    const seconds = retryAfter === null ? Number.NaN : Number(retryAfter);
    return new RetryableError(`${service} is unavailable (${status} ${url})${detail}`, {
      code: "downstream_unavailable",
      metadata,
      retryAfterMs: Number.isFinite(seconds) && seconds >= 0 ? seconds * 1000 : undefined,
    });
  }
  return new PermanentError(`${service} rejected the request (${status} ${url})${detail}`, {
    code: "downstream_rejected",
    metadata,
  });
}

function errorDetail(body: string): string {
  try {
    const parsed = JSON.parse(body) as { error?: unknown };
    return typeof parsed.error === "string" ? `: ${parsed.error}` : "";
  } catch {
    return "";
  }
}

/** The x-request-id the fetch steps send, so downstream logs (and faults) are per request. */
export function downstreamRequestId(serviceRequestId: number): string {
  return `service-request-${serviceRequestId}`;
}
