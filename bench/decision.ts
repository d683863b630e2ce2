// What does a decision cost (issue #27)? decision6 (a -> decide -> one of two 3-step branches ->
// a deferred convergence step; bench/templates/decision6.yaml) against its static twin linear6
// (six steps in a chain, the same depth), on the same engine: latency one task at a time, the two
// alternated task by task, and throughput with tasks in flight, the two in turn round after round.
// The ratios are the figures: a decision's outcome creates the branch and the convergence step in
// the transaction that stores it, where linear6 created its steps with the task.
import type { Finding } from "./compare.js";
import type { CompletionTracker } from "./completion-tracker.js";
import { measureLatency, type ThroughputRun, throughputRounds } from "./measure.js";
import type { Backend } from "./options.js";
import { type BenchResult, emptyResult } from "./results.js";
import type { SqlTrace } from "./sql-trace.js";
import { medianRound, pairedRatio, ratio, round, summarizeLatency } from "./stats.js";

export const DECISION_WORKFLOW = "decision6";
/** decision6's static twin: as many steps run, as deep. */
export const STATIC_TWIN = "linear6";
const PAIR = [DECISION_WORKFLOW, STATIC_TWIN] as const;
/** Steps that run in a task of either (decision6: a, decide, three of a branch, converge). */
export const DECISION_STEPS = 6;
/** Worker concurrency of the throughput runs (the shapes part's). */
export const DECISION_CONCURRENCY = 32;
/** Clients creating tasks at once in the throughput runs (as the throughput part's). */
const CREATORS = 8;

/** What the decision part needs of an engine (BenchEngine). */
export interface DecisionEngine {
  tracker: CompletionTracker;
  trace: SqlTrace;
  createNamed(name: string): Promise<string>;
  runOnce(name: string): Promise<number>;
  setConcurrency(concurrency: number): Promise<void>;
}

/**
 * The decision part on one engine: latency (`runs` after `warmup`, the two workflows alternated),
 * then throughput (`tasks` of each in flight, `rounds` rounds, the order reversed every other
 * round; per workflow the median round).
 */
export async function benchDecisions(
  engine: DecisionEngine,
  backend: Backend,
  opts: { runs: number; warmup: number; tasks: number; rounds: number },
  say: (line: string) => void,
): Promise<BenchResult[]> {
  const results: BenchResult[] = [];
  const calls = new Map<string, { calls: number; roundTrips: number }>();
  // Statements per task: each workflow's own share, from the runs alternated on one trace.
  const traced = (name: string) => async () => {
    const before = { calls: engine.trace.totalCalls(), roundTrips: engine.trace.roundTrips };
    const ms = await engine.runOnce(name);
    const c = calls.get(name) ?? { calls: 0, roundTrips: 0 };
    c.calls += engine.trace.totalCalls() - before.calls;
    c.roundTrips += engine.trace.roundTrips - before.roundTrips;
    calls.set(name, c);
    return ms;
  };
  const samples = await measureLatency(
    PAIR.map((name) => ({ label: name, runOnce: traced(name) })),
    { runs: opts.runs, warmup: opts.warmup, onWarmedUp: () => calls.clear() },
  );
  for (const name of PAIR) {
    const s = summarizeLatency(samples.get(name) ?? []);
    const c = calls.get(name);
    results.push({
      ...emptyResult({
        system: "tasker",
        backend,
        transport: "postgres",
        workflow: name,
        mode: "latency",
        concurrency: 1,
        runs: s.runs,
      }),
      p50_ms: s.p50_ms,
      p95_ms: s.p95_ms,
      p99_ms: s.p99_ms,
      queries_per_task: c ? round(c.calls / s.runs, 1) : null,
      round_trips_per_task: c ? round(c.roundTrips / s.runs, 1) : null,
    });
    say(
      `[${backend}] ${name} latency: p50 ${s.p50_ms} ms, p95 ${s.p95_ms} ms, p99 ${s.p99_ms} ms, ${c ? round(c.calls / s.runs, 1) : "?"} queries/task`,
    );
  }

  await engine.setConcurrency(DECISION_CONCURRENCY);
  const runs = await throughputRounds(
    engine,
    PAIR,
    { rounds: opts.rounds, tasks: opts.tasks, creators: CREATORS },
    (name, run, r) =>
      say(
        `[${backend}] ${name} throughput c${DECISION_CONCURRENCY}: ${run.tasks} tasks in ${(run.durationMs / 1000).toFixed(2)} s = ${stepsPerS(run).toFixed(0)} steps/s, drain ${run.drainMs.toFixed(0)} ms${opts.rounds > 1 ? ` (round ${r + 1})` : ""}`,
      ),
  );
  for (const name of PAIR) {
    const rs = runs.get(name) ?? [];
    const mid = medianRound(rs, (x) => stepsPerS(x.run));
    results.push({
      ...emptyResult({
        system: "tasker",
        backend,
        transport: "postgres",
        workflow: name,
        mode: "throughput",
        concurrency: DECISION_CONCURRENCY,
        runs: mid.run.tasks,
      }),
      steps_per_s: round(stepsPerS(mid.run), 1),
      tasks_per_s: round(mid.run.tasksPerS, 1),
      drain_ms: round(mid.run.drainMs, 0),
      duration_ms: round(mid.run.durationMs, 0),
      queries_per_task: round(mid.calls / mid.run.tasks, 1),
      round_trips_per_task: round(mid.roundTrips / mid.run.tasks, 1),
      steps_per_s_rounds: rs.map((x) => round(stepsPerS(x.run), 1)),
    });
  }
  return results;
}

const stepsPerS = (run: ThroughputRun) => (run.tasks * DECISION_STEPS) / (run.durationMs / 1000);

/** decision6 against linear6, per backend: p50 and p95 latency, steps/s and statements per task. */
export function decisionFindings(results: readonly BenchResult[]): Finding[] {
  const findings: Finding[] = [];
  for (const backend of ["postgres", "pglite"] as const) {
    const get = (workflow: string, mode: BenchResult["mode"]) =>
      results.find(
        (r) => r.system === "tasker" && r.backend === backend && r.workflow === workflow && r.mode === mode,
      );
    const [dl, sl] = [get(DECISION_WORKFLOW, "latency"), get(STATIC_TWIN, "latency")];
    if (dl && sl) {
      findings.push(
        {
          label: `decision6 ÷ linear6 p50 latency, ${backend} (decision6 p50 ${dl.p50_ms} ms)`,
          value: ratio(dl.p50_ms, sl.p50_ms),
          unit: "×",
        },
        {
          label: `decision6 ÷ linear6 p95 latency, ${backend}`,
          value: ratio(dl.p95_ms, sl.p95_ms),
          unit: "×",
        },
        {
          label: `decision6 ÷ linear6 statements per task, ${backend}`,
          value: ratio(dl.queries_per_task, sl.queries_per_task),
          unit: "×",
        },
      );
    }
    const [dt, st] = [get(DECISION_WORKFLOW, "throughput"), get(STATIC_TWIN, "throughput")];
    if (dt && st) {
      findings.push({
        label: `decision6 ÷ linear6 steps/s at concurrency ${dt.concurrency}, ${backend}, the median of the rounds' ratios (decision6 ${dt.steps_per_s} steps/s)`,
        value:
          pairedRatio(dt.steps_per_s_rounds, st.steps_per_s_rounds) ?? ratio(dt.steps_per_s, st.steps_per_s),
        unit: "×",
      });
    }
  }
  return findings;
}
