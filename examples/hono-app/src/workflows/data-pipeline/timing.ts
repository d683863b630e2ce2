// Wall-clock bounds of a handler's work, returned in its result so anyone can see that the
// parallel branches really overlapped.
import { setTimeout as sleep } from "node:timers/promises";

export async function timed<T extends object>(
  work: () => Promise<T> | T,
  options: { minDurationMs?: unknown; signal: AbortSignal },
): Promise<T & { started_at: string; finished_at: string; duration_ms: number }> {
  const started = Date.now();
  const result = await work();
  // Stands in for the heavier analysis a real dataset needs (template initialization
  // `simulated_work_ms`; 0 turns it off).
  const floor = typeof options.minDurationMs === "number" ? options.minDurationMs : 0;
  const remaining = floor - (Date.now() - started);
  if (remaining > 0) await sleep(remaining, undefined, { signal: options.signal });
  const finished = Date.now();
  return {
    ...result,
    started_at: new Date(started).toISOString(),
    finished_at: new Date(finished).toISOString(),
    duration_ms: finished - started,
  };
}
