// Batch jobs (issue #27): a batchable step plans `items` items in batches of 100, the engine creates
// one instance of the batch worker per batch in the transaction that stores the plan, the
// instances do nothing with their items, and a deferred convergence step totals them. Variants:
// parallelism 8 (instance k waits for instance k - 8), no parallelism limit, and parallelism 8 with
// a checkpoint every 25 items. Jobs are created by 8 clients while the worker runs; items/s and
// instance steps/s over first create -> last completion, the median of the rounds, with steps/s
// compared with the shapes part's independent100 (100 steps created with their task) when the
// same run measured it.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Finding } from "./compare.js";
import type { CompletionTracker } from "./completion-tracker.js";
import { type ThroughputRun, throughputRounds } from "./measure.js";
import { BATCH_SIZE, type Backend } from "./options.js";
import { type BenchResult, emptyResult, type RunTimeWorkflow } from "./results.js";
import type { SqlTrace } from "./sql-trace.js";
import { medianRound, pairedRatio, ratio, round } from "./stats.js";

export { BATCH_SIZE };
/** Items a checkpointing instance walks between two checkpoints (3 checkpoints per 100 items). */
export const CHECKPOINT_EVERY = 25;
/** Worker concurrency of the batch part (the shapes part's): above parallelism 8, so the limit shows. */
export const BATCH_CONCURRENCY = 32;
/** The shapes part's shape the batch jobs are compared with: as many steps, created with the task. */
export const BATCH_BASE_SHAPE = "independent100";
const CREATORS = 8;

export interface BatchVariant {
  workflow: RunTimeWorkflow;
  /** Instances running at once at most; null = no limit. */
  parallelism: number | null;
  /** Items between an instance's checkpoints; null = none. */
  checkpointEvery: number | null;
}

export const BATCH_VARIANTS: readonly BatchVariant[] = [
  { workflow: "batch_p8", parallelism: 8, checkpointEvery: null },
  { workflow: "batch_unlimited", parallelism: null, checkpointEvery: null },
  { workflow: "batch_p8_checkpoint", parallelism: 8, checkpointEvery: CHECKPOINT_EVERY },
];

/** Batch instances of a job of `items` items. */
export function instancesPerJob(items: number): number {
  return Math.ceil(items / BATCH_SIZE);
}

/** Steps of a job: the batchable step, its instances, the convergence step. */
export function stepsPerJob(items: number): number {
  return instancesPerJob(items) + 2;
}

/** A variant's template: plan (batchable) -> work_{batch_id} (batch_worker) -> total (deferred convergence). */
export function batchTemplate(variant: BatchVariant, items: number): Record<string, unknown> {
  return {
    name: variant.workflow,
    namespace_name: "bench",
    version: "1.0.0",
    description: `Benchmark batch job: ${items} items in batches of ${BATCH_SIZE}, no-op workers`,
    steps: [
      {
        name: "plan",
        type: "batchable",
        handler: { callable: "bench.plan_batches", initialization: { items, batch_size: BATCH_SIZE } },
        batch_config: {
          batch_size: BATCH_SIZE,
          worker_template: "work",
          ...(variant.parallelism === null ? {} : { parallelism: variant.parallelism }),
        },
      },
      {
        name: "work",
        type: "batch_worker",
        dependencies: ["plan"],
        handler: {
          callable: "bench.batch_worker",
          ...(variant.checkpointEvery === null
            ? {}
            : { initialization: { checkpoint_every: variant.checkpointEvery } }),
        },
      },
      {
        name: "total",
        type: "deferred_convergence",
        dependencies: ["work"],
        handler: { callable: "bench.aggregate" },
      },
    ],
  };
}

const written = new Map<number, string>();
/**
 * A directory holding the variants' templates for jobs of `items` items (JSON, which is YAML),
 * made once per size and process: the engine loads them like the other bench templates.
 */
export function batchTemplateDir(items: number): string {
  let dir = written.get(items);
  if (!dir) {
    dir = mkdtempSync(join(tmpdir(), "tasker-bench-batches-"));
    for (const v of BATCH_VARIANTS) {
      writeFileSync(join(dir, `${v.workflow}.yaml`), JSON.stringify(batchTemplate(v, items)));
    }
    written.set(items, dir);
  }
  return dir;
}

/** What the batch part needs of an engine (BenchEngine). */
export interface BatchEngine {
  tracker: CompletionTracker;
  trace: SqlTrace;
  createNamed(name: string): Promise<string>;
  setConcurrency(concurrency: number): Promise<void>;
}

/**
 * The batch part on one engine: `rounds` rounds, each running `jobs` jobs of every variant (the
 * order reversed every other round); per variant the median round by items/s.
 */
export async function benchBatches(
  engine: BatchEngine,
  backend: Backend,
  opts: { items: number; jobs: number; rounds: number },
  say: (line: string) => void,
): Promise<BenchResult[]> {
  await engine.setConcurrency(BATCH_CONCURRENCY);
  const steps = stepsPerJob(opts.items);
  const itemsPerS = (run: ThroughputRun) => (run.tasks * opts.items) / (run.durationMs / 1000);
  const runs = await throughputRounds(
    engine,
    BATCH_VARIANTS.map((v) => v.workflow),
    { rounds: opts.rounds, tasks: opts.jobs, creators: CREATORS },
    (name, run, r) =>
      say(
        `[${backend}] ${name}: ${run.tasks} job${run.tasks === 1 ? "" : "s"} of ${opts.items} items (${instancesPerJob(opts.items)} instances) in ${(run.durationMs / 1000).toFixed(2)} s = ${itemsPerS(run).toFixed(0)} items/s, ${((run.tasks * steps) / (run.durationMs / 1000)).toFixed(0)} steps/s${opts.rounds > 1 ? ` (round ${r + 1})` : ""}`,
      ),
  );
  return BATCH_VARIANTS.map((v) => {
    const rs = runs.get(v.workflow) ?? [];
    const { run, calls, roundTrips } = medianRound(rs, (x) => itemsPerS(x.run));
    const seconds = run.durationMs / 1000;
    return {
      ...emptyResult({
        system: "tasker",
        backend,
        transport: "postgres",
        workflow: v.workflow,
        mode: "batch",
        concurrency: BATCH_CONCURRENCY,
        runs: run.tasks,
      }),
      steps_per_s: round((run.tasks * steps) / seconds, 1),
      tasks_per_s: round(run.tasksPerS, 2),
      drain_ms: round(run.drainMs, 0),
      duration_ms: round(run.durationMs, 0),
      queries_per_task: round(calls / run.tasks, 1),
      round_trips_per_task: round(roundTrips / run.tasks, 1),
      batch_size: BATCH_SIZE,
      items_per_task: opts.items,
      items_per_s: round(itemsPerS(run), 0),
      instance_steps_per_s: round((run.tasks * instancesPerJob(opts.items)) / seconds, 1),
      steps_per_s_rounds: rs.map((x) => round((x.run.tasks * steps) / (x.run.durationMs / 1000), 1)),
    };
  });
}

/**
 * Per backend and variant: items/s and instance steps/s, steps/s ÷ independent100's (same run),
 * and what checkpointing and lifting the parallelism limit change against batch_p8.
 */
export function batchFindings(results: readonly BenchResult[]): Finding[] {
  const findings: Finding[] = [];
  for (const backend of ["postgres", "pglite"] as const) {
    const batches = results.filter(
      (r) => r.system === "tasker" && r.mode === "batch" && r.backend === backend,
    );
    if (batches.length === 0) continue;
    const base = results.find(
      (r) => r.mode === "shape" && r.backend === backend && r.workflow === BATCH_BASE_SHAPE,
    );
    const p8 = batches.find((r) => r.workflow === "batch_p8");
    for (const r of batches) {
      findings.push(
        {
          label: `${r.workflow} items/s on ${backend} (${r.items_per_task} items a job, ${r.batch_size} a batch)`,
          value: r.items_per_s,
          unit: "items/s",
        },
        {
          label: `${r.workflow} instance steps/s on ${backend}`,
          value: r.instance_steps_per_s,
          unit: "steps/s",
        },
      );
      if (base) {
        findings.push({
          label: `${r.workflow} ÷ ${BATCH_BASE_SHAPE} steps/s, ${backend}`,
          value: ratio(r.steps_per_s, base.steps_per_s),
          unit: "×",
        });
      }
      if (p8 && r !== p8) {
        // Jobs of the same size: steps/s round by round is items/s round by round.
        findings.push({
          label: `${r.workflow} ÷ batch_p8 items/s, ${backend}, the median of the rounds' ratios`,
          value:
            pairedRatio(r.steps_per_s_rounds, p8.steps_per_s_rounds) ?? ratio(r.items_per_s, p8.items_per_s),
          unit: "×",
        });
      }
    }
  }
  return findings;
}
