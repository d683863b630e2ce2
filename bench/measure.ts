import type { CompletionTracker } from "./completion-tracker.js";

/** Something whose create -> done latency we measure: one run, resolved with its milliseconds. */
export interface LatencyContender {
  label: string;
  runOnce(): Promise<number>;
}

/**
 * Runs each contender `warmup + runs` times, one run at a time, alternating between contenders so
 * that a noisy neighbour on a shared machine slows all of them alike: ratios stay meaningful
 * even when absolute numbers move. Returns the measured samples by label.
 */
export async function measureLatency(
  contenders: readonly LatencyContender[],
  opts: { runs: number; warmup: number; onWarmedUp?: () => void },
): Promise<Map<string, number[]>> {
  const samples = new Map(contenders.map((c) => [c.label, [] as number[]]));
  for (let i = 0; i < opts.warmup + opts.runs; i++) {
    if (i === opts.warmup) opts.onWarmedUp?.();
    for (const c of contenders) {
      const ms = await c.runOnce();
      if (i >= opts.warmup) samples.get(c.label)!.push(ms);
    }
  }
  return samples;
}

export interface ThroughputRun {
  tasks: number;
  /** First create to last completion. */
  durationMs: number;
  /** Last create returned to last completion: how far processing lags behind submission. */
  drainMs: number;
  tasksPerS: number;
}

/**
 * Submits `tasks` units with `creators` concurrent submitters while the system processes them,
 * then waits for every completion. `create(i)` returns the id the tracker will see complete.
 */
export async function measureThroughput(opts: {
  tasks: number;
  creators: number;
  tracker: CompletionTracker;
  create: (i: number) => Promise<string>;
  timeoutMs: number;
}): Promise<ThroughputRun> {
  const ids: string[] = [];
  const start = performance.now();
  let next = 0;
  const submitters = Array.from({ length: Math.min(opts.creators, opts.tasks) }, async () => {
    for (let i = next++; i < opts.tasks; i = next++) ids.push(await opts.create(i));
  });
  await Promise.all(submitters);
  const lastCreate = performance.now();
  const completions = await Promise.all(ids.map((id) => opts.tracker.wait(id, opts.timeoutMs)));
  const failed = completions.filter((c) => !c.ok);
  if (failed.length > 0) {
    throw new Error(
      `${failed.length} of ${opts.tasks} did not complete successfully (first: ${failed[0]!.detail}); a benchmark only counts successful work`,
    );
  }
  const end = Math.max(...completions.map((c) => c.at));
  const durationMs = end - start;
  return {
    tasks: opts.tasks,
    durationMs,
    drainMs: Math.max(0, end - lastCreate),
    tasksPerS: opts.tasks / (durationMs / 1000),
  };
}

/** A throughput run with the statements the engine sent during it. */
export interface TracedRun {
  run: ThroughputRun;
  calls: number;
  roundTrips: number;
}

/**
 * `rounds` rounds of throughput runs on one engine, each round running every named template once
 * (`tasks` of it in flight, created by `creators` clients), the order reversed every other round so
 * the machine's drift falls on all alike; each run's statements counted on the engine's trace.
 */
export async function throughputRounds(
  engine: {
    tracker: CompletionTracker;
    trace: { reset(): void; totalCalls(): number; roundTrips: number };
    createNamed(name: string): Promise<string>;
  },
  names: readonly string[],
  opts: { rounds: number; tasks: number; creators: number },
  onRun: (name: string, run: ThroughputRun, round: number) => void,
): Promise<Map<string, TracedRun[]>> {
  const runs = new Map<string, TracedRun[]>(names.map((name) => [name, []]));
  for (let round = 0; round < opts.rounds; round++) {
    for (const name of round % 2 === 0 ? names : [...names].reverse()) {
      engine.trace.reset();
      const run = await measureThroughput({
        tasks: opts.tasks,
        creators: opts.creators,
        tracker: engine.tracker,
        create: () => engine.createNamed(name),
        timeoutMs: 600_000,
      });
      runs.get(name)?.push({ run, calls: engine.trace.totalCalls(), roundTrips: engine.trace.roundTrips });
      onRun(name, run, round);
    }
  }
  return runs;
}
