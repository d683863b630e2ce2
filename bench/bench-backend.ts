import type { Logger } from "@tasker-ts/tasker";
import { GraphileChain } from "./graphile-chain.js";
import { seedHistory } from "./history.js";
import { type LatencyContender, measureLatency, measureThroughput } from "./measure.js";
import type { Backend, BenchOptions } from "./options.js";
import { type BenchResult, emptyResult, STEPS_PER_TASK, WORKFLOWS } from "./results.js";
import { round, summarizeLatency } from "./stats.js";
import { BenchEngine } from "./tasker-engine.js";

/** Clients submitting tasks at once in the throughput runs (a busy API, not one caller). */
export const CREATORS = 8;
/** graphile-worker's concurrency for latency runs: tasker's default worker concurrency. */
const LATENCY_CONCURRENCY = 10;

export type Say = (line: string) => void;

/**
 * Every measurement on one backend. Engines under comparison run side by side and are sampled in
 * turn (see measureLatency), so the machine's noise falls on all of them alike.
 */
export async function benchBackend(
  backend: Backend,
  opts: BenchOptions,
  logger: Logger,
  say: Say,
): Promise<BenchResult[]> {
  const results: BenchResult[] = [];
  const wants = (part: BenchOptions["parts"][number]) => opts.parts.includes(part);
  // Everything opened so far, closed in reverse order whatever happens.
  const open = new Set<{ close(): Promise<void> }>();
  try {
    say(`[${backend}] opening the engine`);
    const empty = await BenchEngine.open(backend, logger);
    open.add(empty);

    let history: BenchEngine | undefined;
    if (wants("scale")) {
      history = await BenchEngine.open(backend, logger);
      open.add(history);
      // Models for the history: one real finished task of each workflow, copied many times.
      const models: string[] = [];
      for (const w of WORKFLOWS) {
        const uuid = await history.create(w);
        const done = await history.tracker.wait(uuid, 60_000);
        if (!done.ok) throw new Error(`the ${w} model task for the history did not complete: ${done.detail}`);
        models.push(uuid);
      }
      const start = performance.now();
      say(
        `[${backend}] writing ${opts.history.toLocaleString("en-US")} finished tasks into the history engine`,
      );
      await seedHistory(history.tasker.database, models, opts.history);
      say(`[${backend}] history written in ${((performance.now() - start) / 1000).toFixed(1)} s`);
    }

    let graphile: GraphileChain | undefined;
    if (backend === "postgres" && wants("graphile")) {
      say("[postgres] starting graphile-worker");
      graphile = await GraphileChain.open(LATENCY_CONCURRENCY);
      open.add(graphile);
    }

    if (wants("latency") || wants("scale") || graphile) {
      for (const workflow of WORKFLOWS) {
        const contenders: LatencyContender[] = [{ label: "tasker", runOnce: () => empty.runOnce(workflow) }];
        const withHistory = history;
        if (withHistory) contenders.push({ label: "history", runOnce: () => withHistory.runOnce(workflow) });
        if (graphile && workflow === "linear5")
          contenders.push({ label: "graphile", runOnce: () => graphile.runOnce() });
        const samples = await measureLatency(contenders, {
          runs: opts.runs,
          warmup: opts.warmup,
          onWarmedUp: () => {
            empty.trace.reset();
            history?.trace.reset();
          },
        });
        const latency = (system: BenchResult["system"], label: string, engine?: BenchEngine): BenchResult => {
          const s = summarizeLatency(samples.get(label)!);
          const r: BenchResult = {
            ...emptyResult({ system, backend, workflow, mode: "latency", concurrency: 1, runs: s.runs }),
            p50_ms: s.p50_ms,
            p95_ms: s.p95_ms,
            p99_ms: s.p99_ms,
            queries_per_task: engine ? round(engine.trace.totalCalls() / s.runs, 1) : null,
          };
          say(
            `[${backend}] ${system}${label === "history" ? ` (+${opts.history} finished)` : ""} ${workflow} latency: p50 ${s.p50_ms} ms, p95 ${s.p95_ms} ms, p99 ${s.p99_ms} ms${r.queries_per_task !== null ? `, ${r.queries_per_task} queries/task` : ""}`,
          );
          return r;
        };
        results.push(latency("tasker", "tasker", empty));
        if (history) results.push({ ...latency("tasker", "history", history), history_tasks: opts.history });
        if (samples.has("graphile")) results.push(latency("graphile-worker", "graphile"));
        if (workflow === "linear5") printTopStatements(backend, empty, say);
      }
    }
    // The idle history engine would only add noise to the throughput runs.
    if (history) {
      open.delete(history);
      await history.close();
      history = undefined;
    }

    if (wants("throughput")) {
      for (const concurrency of opts.concurrency) {
        await empty.setConcurrency(concurrency);
        empty.trace.reset();
        const run = await measureThroughput({
          tasks: opts.tasks,
          creators: CREATORS,
          tracker: empty.tracker,
          create: () => empty.create("linear5"),
          timeoutMs: empty.waitTimeoutMs(opts.tasks),
        });
        results.push(
          throughputResult(
            "tasker",
            backend,
            concurrency,
            run,
            round(empty.trace.totalCalls() / opts.tasks, 1),
          ),
        );
        say(describeThroughput(`[${backend}] tasker`, concurrency, run));
        if (graphile) {
          await graphile.setConcurrency(concurrency);
          const g = await measureThroughput({
            tasks: opts.tasks,
            creators: CREATORS,
            tracker: graphile.tracker,
            create: () => graphile.create(),
            timeoutMs: graphile.waitTimeoutMs(opts.tasks),
          });
          results.push(throughputResult("graphile-worker", backend, concurrency, g, null));
          say(describeThroughput("[postgres] graphile-worker", concurrency, g));
        }
      }
    }
    return results;
  } finally {
    for (const resource of [...open].reverse()) {
      await resource.close().catch((err: unknown) => say(`cleanup failed: ${(err as Error).message}`));
    }
  }
}

function throughputResult(
  system: BenchResult["system"],
  backend: Backend,
  concurrency: number,
  run: Awaited<ReturnType<typeof measureThroughput>>,
  queriesPerTask: number | null,
): BenchResult {
  return {
    ...emptyResult({
      system,
      backend,
      workflow: "linear5",
      mode: "throughput",
      concurrency,
      runs: run.tasks,
    }),
    steps_per_s: round((run.tasks * STEPS_PER_TASK.linear5) / (run.durationMs / 1000), 1),
    tasks_per_s: round(run.tasksPerS, 1),
    drain_ms: round(run.drainMs, 0),
    duration_ms: round(run.durationMs, 0),
    queries_per_task: queriesPerTask,
  };
}

function describeThroughput(
  who: string,
  concurrency: number,
  run: Awaited<ReturnType<typeof measureThroughput>>,
) {
  const stepsPerS = (run.tasks * STEPS_PER_TASK.linear5) / (run.durationMs / 1000);
  return `${who} throughput c${concurrency}: ${run.tasks} linear5 in ${(run.durationMs / 1000).toFixed(2)} s = ${stepsPerS.toFixed(0)} steps/s, ${run.tasksPerS.toFixed(1)} tasks/s, drain ${run.drainMs.toFixed(0)} ms`;
}

function printTopStatements(backend: Backend, engine: BenchEngine, say: Say): void {
  say(`[${backend}] statements behind linear5 latency (time summed over the measured runs):`);
  for (const s of engine.trace.top(8)) {
    say(`    ${String(s.calls).padStart(6)} calls ${s.totalMs.toFixed(0).padStart(7)} ms  ${s.sql}`);
  }
}
