// How an engine failure to accept a task becomes an HTTP answer from the app:
//  - the engine refused the task (bad context, conflict...) -> 502, it will not work if repeated;
//  - the engine is overloaded or unreachable -> 503 with Retry-After, worth trying again.
import { TaskerError } from "@tasker-ts/tasker/client";

export interface EngineFailure {
  status: 502 | 503;
  /** True when trying again later may succeed. */
  transient: boolean;
  message: string;
  details?: unknown;
  retryAfterSeconds?: number;
}

export function classifyEngineError(error: unknown): EngineFailure {
  if (error instanceof TaskerError) {
    if (error.status === 503 || error.status >= 500) {
      return {
        status: 503,
        transient: true,
        message: `the workflow engine is unavailable: ${error.message}`,
        details: error.details,
        retryAfterSeconds: error.retryAfterSeconds ?? 5,
      };
    }
    return {
      status: 502,
      transient: false,
      message: `the workflow engine rejected the task (${error.code}): ${error.message}`,
      details: error.details,
    };
  }
  const message = error instanceof Error ? error.message : String(error);
  return {
    status: 503,
    transient: true,
    message: `the workflow engine could not be reached: ${message}`,
    retryAfterSeconds: 5,
  };
}
