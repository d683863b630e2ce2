/** Latency percentiles of one series of samples, in milliseconds. */
export interface LatencySummary {
  runs: number;
  p50_ms: number;
  p95_ms: number;
  p99_ms: number;
  mean_ms: number;
  min_ms: number;
  max_ms: number;
}

/**
 * The q-th percentile (0..100) by linear interpolation between closest ranks, the definition
 * numpy and most dashboards use, so figures compare with other tools' output.
 */
export function percentile(samples: readonly number[], q: number): number {
  if (samples.length === 0) throw new Error("percentile of no samples: measure at least one run");
  if (!(q >= 0 && q <= 100)) throw new Error(`percentile must be within 0..100, got ${q}`);
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = (q / 100) * (sorted.length - 1);
  const lo = Math.floor(rank);
  const hi = Math.ceil(rank);
  const low = sorted[lo]!;
  return low + (sorted[hi]! - low) * (rank - lo);
}

export function summarizeLatency(samples: readonly number[]): LatencySummary {
  return {
    runs: samples.length,
    p50_ms: round(percentile(samples, 50)),
    p95_ms: round(percentile(samples, 95)),
    p99_ms: round(percentile(samples, 99)),
    mean_ms: round(samples.reduce((a, b) => a + b, 0) / samples.length),
    min_ms: round(Math.min(...samples)),
    max_ms: round(Math.max(...samples)),
  };
}

/** Rounds to `digits` decimals: results stay readable in JSON and tables. */
export function round(value: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

/** a / b, or null when either side is missing or b is zero (a ratio we cannot state). */
export function ratio(a: number | null | undefined, b: number | null | undefined): number | null {
  if (a === null || a === undefined || b === null || b === undefined || b === 0) return null;
  return round(a / b, 3);
}

/** The median round by `by` (the lower middle of an even count: a figure some round measured). */
export function medianRound<T>(rounds: readonly T[], by: (round: T) => number): T {
  const sorted = [...rounds].sort((a, b) => by(a) - by(b));
  const mid = sorted[Math.floor((sorted.length - 1) / 2)];
  if (mid === undefined) throw new Error("no round was measured");
  return mid;
}

/**
 * The median of round-by-round ratios a[i] / b[i] of two contenders measured in the same rounds
 * (each round runs both, one after the other): the machine's drift between rounds cancels, which
 * a ratio of the two medians (possibly from different rounds) does not. null unless both have the
 * same number of rounds.
 */
export function pairedRatio(a: readonly number[] | null, b: readonly number[] | null): number | null {
  if (!a || !b || a.length === 0 || a.length !== b.length) return null;
  const ratios = a.flatMap((x, i) => (b[i] ? [x / (b[i] as number)] : []));
  return ratios.length === a.length
    ? round(
        medianRound(ratios, (x) => x),
        3,
      )
    : null;
}
