import type { Logger } from "@tasker-ts/tasker";
import { batchTemplateDir, benchBatches } from "./batch.js";
import { benchDecisions } from "./decision.js";
import { GraphileChain } from "./graphile-chain.js";
import { seedHistory } from "./history.js";
import { type LatencyContender, measureLatency, measureThroughput } from "./measure.js";
import type { Backend, BenchOptions, Transport } from "./options.js";
import { RemoteWorkerProcess, WORKER_PROGRAMS } from "./remote-workers.js";
import { type BenchResult, emptyResult, STEPS_PER_TASK, WORKFLOWS } from "./results.js";
import { benchShapes, QUICK_SHAPES, SHAPE_CONCURRENCY, SHAPES, shapeTemplateDir } from "./shapes.js";
import { round, summarizeLatency } from "./stats.js";
import { BenchEngine } from "./tasker-engine.js";

/** Clients submitting tasks at once in the throughput runs (a busy API, not one caller). */
export const CREATORS = 8;
/** The engine's default worker concurrency (latency and idle engines run with it). */
const DEFAULT_WORKER_CONCURRENCY = 10;
/** graphile-worker's concurrency for latency runs: tasker's default worker concurrency. */
const LATENCY_CONCURRENCY = DEFAULT_WORKER_CONCURRENCY;

export type Say = (line: string) => void;

/**
 * Every measurement on one backend. Engines under comparison (one per transport on PostgreSQL,
 * the history engine, graphile-worker) run side by side and are sampled in turn (see
 * measureLatency), so the machine's noise falls on all of them alike.
 */
export async function benchBackend(
  backend: Backend,
  opts: BenchOptions,
  transports: readonly Transport[],
  logger: Logger,
  say: Say,
): Promise<BenchResult[]> {
  const results: BenchResult[] = [];
  const wants = (part: BenchOptions["parts"][number]) => opts.parts.includes(part);
  // Everything opened so far, closed in reverse order whatever happens.
  const open = new Set<{ close(): Promise<void> }>();
  try {
    // One engine per transport, each on its own database; PGlite keeps its queue in its tables.
    const engines: BenchEngine[] = [];
    for (const transport of backend === "postgres" ? transports : (["postgres"] as const)) {
      say(`[${backend}] opening the engine${transport === "rabbitmq" ? " with the RabbitMQ transport" : ""}`);
      // The shapes and the batch jobs run on the queue tables only (the default transport).
      const templatePaths =
        transport === "postgres"
          ? [
              ...(wants("shapes") ? [shapeTemplateDir()] : []),
              ...(wants("batch") ? [batchTemplateDir(opts.batchItems)] : []),
            ]
          : [];
      const engine = await BenchEngine.open(backend, logger, { transport, templatePaths });
      open.add(engine);
      engines.push(engine);
    }
    const who = (e: BenchEngine) => (e.transport === "rabbitmq" ? "tasker+rabbitmq" : "tasker");
    // The same engine with its handlers in worker processes over the worker protocol, one per SDK
    // this machine can run (each serving a namespace of its own on the engine's server).
    const remoteWorkers: RemoteWorkerProcess[] = [];
    if (backend === "postgres" && wants("remote")) {
      const remote = await BenchEngine.open(backend, logger, { remote: true });
      open.add(remote);
      for (const program of WORKER_PROGRAMS.filter((p) => p.available())) {
        say(`[postgres] starting the ${program.sdk} worker (worker protocol over loopback HTTP)`);
        const worker = new RemoteWorkerProcess(program, remote);
        open.add(worker);
        await worker.start(DEFAULT_WORKER_CONCURRENCY);
        remoteWorkers.push(worker);
      }
    }
    const remoteLabel = (w: RemoteWorkerProcess) => `tasker remote-${w.program.sdk}`;

    if (wants("idle")) {
      // All engines idle at once: same wall time, each counted through its own trace.
      await sleep(1000);
      for (const e of engines) e.trace.reset();
      await sleep(opts.idleSeconds * 1000);
      for (const e of engines) {
        const perS = round(e.trace.totalCalls() / opts.idleSeconds, 2);
        results.push({
          ...emptyResult({
            system: "tasker",
            backend,
            transport: e.transport,
            workflow: null,
            mode: "idle",
            concurrency: DEFAULT_WORKER_CONCURRENCY,
            runs: opts.idleSeconds,
          }),
          queries_per_s: perS,
        });
        say(`[${backend}] ${who(e)} idle: ${perS} statements/s to the database`);
      }
    }

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
        const contenders: LatencyContender[] = engines.map((e) => ({
          label: who(e),
          runOnce: () => e.runOnce(workflow),
        }));
        const withHistory = history;
        if (withHistory) contenders.push({ label: "history", runOnce: () => withHistory.runOnce(workflow) });
        if (graphile && workflow === "linear5")
          contenders.push({ label: "graphile", runOnce: () => graphile.runOnce() });
        if (workflow === "linear5")
          for (const w of remoteWorkers)
            contenders.push({ label: remoteLabel(w), runOnce: () => w.runOnce() });
        const samples = await measureLatency(contenders, {
          runs: opts.runs,
          warmup: opts.warmup,
          onWarmedUp: () => {
            for (const e of engines) e.trace.reset();
            history?.trace.reset();
          },
        });
        const latency = (
          system: BenchResult["system"],
          label: string,
          transport: BenchResult["transport"],
          engine?: BenchEngine,
        ): BenchResult => {
          const s = summarizeLatency(samples.get(label)!);
          const r: BenchResult = {
            ...emptyResult({
              system,
              backend,
              transport,
              workflow,
              mode: "latency",
              concurrency: 1,
              runs: s.runs,
            }),
            p50_ms: s.p50_ms,
            p95_ms: s.p95_ms,
            p99_ms: s.p99_ms,
            queries_per_task: engine ? round(engine.trace.totalCalls() / s.runs, 1) : null,
            round_trips_per_task: engine ? round(engine.trace.roundTrips / s.runs, 1) : null,
          };
          say(
            `[${backend}] ${label === "history" ? `tasker (+${opts.history} finished)` : label === "graphile" ? system : label} ${workflow} latency: p50 ${s.p50_ms} ms, p95 ${s.p95_ms} ms, p99 ${s.p99_ms} ms${r.queries_per_task !== null ? `, ${r.queries_per_task} queries/task, ${r.round_trips_per_task} round trips/task` : ""}`,
          );
          return r;
        };
        for (const e of engines) results.push(latency("tasker", who(e), e.transport, e));
        for (const w of remoteWorkers) {
          if (samples.has(remoteLabel(w)))
            results.push({
              ...latency("tasker", remoteLabel(w), "postgres"),
              worker: `remote-${w.program.sdk}`,
            });
        }
        if (history)
          results.push({ ...latency("tasker", "history", "postgres", history), history_tasks: opts.history });
        if (samples.has("graphile")) results.push(latency("graphile-worker", "graphile", null));
        if (workflow === "linear5") for (const e of engines) printTopStatements(backend, e, say);
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
        for (const engine of engines) {
          await engine.setConcurrency(concurrency);
          engine.trace.reset();
          const run = await measureThroughput({
            tasks: opts.tasks,
            creators: CREATORS,
            tracker: engine.tracker,
            create: () => engine.create("linear5"),
            timeoutMs: engine.waitTimeoutMs(opts.tasks),
          });
          results.push({
            ...throughputResult(
              "tasker",
              backend,
              engine.transport,
              concurrency,
              run,
              round(engine.trace.totalCalls() / opts.tasks, 1),
              round(engine.trace.roundTrips / opts.tasks, 1),
            ),
            worker: "in-process",
          });
          say(describeThroughput(`[${backend}] ${who(engine)}`, concurrency, run));
        }
        for (const w of remoteWorkers) {
          await w.stop();
          await w.start(concurrency);
          const run = await measureThroughput({
            tasks: opts.tasks,
            creators: CREATORS,
            tracker: w.engine.tracker,
            create: () => w.create(),
            timeoutMs: w.engine.waitTimeoutMs(opts.tasks),
          });
          results.push({
            ...throughputResult("tasker", backend, "postgres", concurrency, run, null),
            worker: `remote-${w.program.sdk}`,
          });
          say(describeThroughput(`[${backend}] ${remoteLabel(w)}`, concurrency, run));
        }
        if (graphile) {
          await graphile.setConcurrency(concurrency);
          const g = await measureThroughput({
            tasks: opts.tasks,
            creators: CREATORS,
            tracker: graphile.tracker,
            create: () => graphile.create(),
            timeoutMs: graphile.waitTimeoutMs(opts.tasks),
          });
          results.push(throughputResult("graphile-worker", backend, null, concurrency, g, null));
          say(describeThroughput("[postgres] graphile-worker", concurrency, g));
        }
      }
    }
    if (wants("shapes")) {
      // Wide and long tasks against the 10-step one, on the engine with its queue tables.
      const engine = engines.find((e) => e.transport === "postgres");
      if (engine) {
        await engine.setConcurrency(SHAPE_CONCURRENCY);
        const shapes = opts.quick ? [...QUICK_SHAPES] : [...SHAPES];
        say(
          `[${backend}] shapes: ${shapes.join(", ")}, ~${opts.shapeSteps} steps each, ${opts.shapeRounds} round${opts.shapeRounds === 1 ? "" : "s"}, worker concurrency ${SHAPE_CONCURRENCY}`,
        );
        results.push(
          ...(await benchShapes(
            engine,
            backend,
            { shapes, shapeSteps: opts.shapeSteps, rounds: opts.shapeRounds },
            say,
          )),
        );
      }
    }
    // Steps created at run time (issue #27), on the engine with its queue tables: a decision
    // against its static twin, then batch jobs (after the shapes, whose independent100 they are
    // compared with).
    const tables = engines.find((e) => e.transport === "postgres");
    if (tables && wants("decision")) {
      say(`[${backend}] decision: decision6 against linear6, latency then throughput`);
      results.push(
        ...(await benchDecisions(
          tables,
          backend,
          { runs: opts.runs, warmup: opts.warmup, tasks: opts.tasks, rounds: opts.runTimeRounds },
          say,
        )),
      );
    }
    if (tables && wants("batch")) {
      say(
        `[${backend}] batch: jobs of ${opts.batchItems} items, ${opts.batchJobs} a variant and round, ${opts.runTimeRounds} round${opts.runTimeRounds === 1 ? "" : "s"}`,
      );
      results.push(
        ...(await benchBatches(
          tables,
          backend,
          { items: opts.batchItems, jobs: opts.batchJobs, rounds: opts.runTimeRounds },
          say,
        )),
      );
    }
    return results;
  } finally {
    for (const resource of [...open].reverse()) {
      await resource.close().catch((err: unknown) => say(`cleanup failed: ${(err as Error).message}`));
    }
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function throughputResult(
  system: BenchResult["system"],
  backend: Backend,
  transport: BenchResult["transport"],
  concurrency: number,
  run: Awaited<ReturnType<typeof measureThroughput>>,
  queriesPerTask: number | null,
  roundTripsPerTask: number | null = null,
): BenchResult {
  return {
    ...emptyResult({
      system,
      backend,
      transport,
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
    round_trips_per_task: roundTripsPerTask,
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
  say(
    `[${backend}] statements behind linear5 latency${engine.transport === "rabbitmq" ? " with RabbitMQ" : ""} (time summed over the measured runs):`,
  );
  for (const s of engine.trace.top(8)) {
    say(`    ${String(s.calls).padStart(6)} calls ${s.totalMs.toFixed(0).padStart(7)} ms  ${s.sql}`);
  }
}
