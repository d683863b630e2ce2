// Wide and long tasks (issue #22): does a step cost the same in a task of 10 steps and in one of
// 1,000? Each shape runs about the same number of steps in all (`--shape-steps`), as tasks of its
// size created by 8 clients while the worker runs, so the worker always has work: steps/s over
// first create -> last completion, compared with the 10-step shape's in the same run. The shapes
// are `npm run bench`'s `shapes` part (benchShapes) and a mode of the paired A/B (ab.ts).
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { backendCpu, cpuSpent, type Query } from "./app-load.js";
import type { Finding } from "./compare.js";
import type { CompletionTracker } from "./completion-tracker.js";
import { measureThroughput, type ThroughputRun } from "./measure.js";
import type { Backend } from "./options.js";
import { type BenchResult, emptyResult, SHAPE_NAME } from "./results.js";
import type { SqlTrace } from "./sql-trace.js";
import { percentile, ratio, round } from "./stats.js";

/** The shapes the issue names: 10, 100 and 1,000 independent steps, a fan-out/fan-in, a chain. */
export const SHAPES = [
  "independent10",
  "independent100",
  "independent1000",
  "fanout1000",
  "chain1000",
] as const;
/**
 * `--quick` (CI: the script still works, in seconds): the same kinds, the wide and long ones at 100
 * steps (named so), so that every path runs without 1,000-step tasks on both backends.
 */
export const QUICK_SHAPES = ["independent10", "independent100", "fanout100", "chain100"] as const;
/** A shape's name: its kind and its size (`chain1000`: a chain of 1,000 steps). */
export type Shape = string;
/** The shape every other is compared with: 10 independent steps (per-task costs weigh most). */
export const BASE_SHAPE = "independent10";
/** Worker concurrency of the shapes part (as the throughput part's upper level). */
export const SHAPE_CONCURRENCY = 32;

const NAMESPACE = "bench";
const NOOP = { callable: "bench.noop" };

interface TemplateStep {
  name: string;
  handler: { callable: string };
  dependencies?: string[];
}

/** The kind and size of a shape's name, or an error naming the shapes there are. */
function parseShape(shape: Shape): { kind: "independent" | "fanout" | "chain"; n: number } {
  const m = SHAPE_NAME.exec(shape);
  if (!m) throw new Error(`unknown shape "${shape}": independentN, fanoutN or chainN`);
  return { kind: m[1] as "independent" | "fanout" | "chain", n: Number(m[2]) };
}

/** The steps of a shape: n independent steps, a root -> n -> join fan-out/fan-in, or an n-step chain. */
function shapeSteps(shape: Shape): TemplateStep[] {
  const { kind, n } = parseShape(shape);
  const name = (i: number) => `s${i}`;
  if (kind === "independent") {
    return Array.from({ length: n }, (_, i) => ({ name: name(i), handler: NOOP }));
  }
  if (kind === "fanout") {
    return [
      { name: "root", handler: NOOP },
      ...Array.from({ length: n }, (_, i) => ({ name: name(i), handler: NOOP, dependencies: ["root"] })),
      { name: "join", handler: NOOP, dependencies: Array.from({ length: n }, (_, i) => name(i)) },
    ];
  }
  return Array.from({ length: n }, (_, i) => ({
    name: name(i),
    handler: NOOP,
    ...(i > 0 ? { dependencies: [name(i - 1)] } : {}),
  }));
}

/** Steps in one task of the shape (a fan-out has its root and join besides its n). */
export function stepsPerTask(shape: Shape): number {
  const { kind, n } = parseShape(shape);
  return kind === "fanout" ? n + 2 : n;
}

/** Steps in each task of the shape: independent1000 -> 1000. */
export function shapeSize(shape: Shape): number {
  return parseShape(shape).n;
}

let written: string | undefined;
/**
 * A directory holding the shapes' template files (JSON, which is YAML), made once per process: the
 * engine loads them like the other bench templates (templatePaths).
 */
export function shapeTemplateDir(): string {
  if (!written) {
    written = mkdtempSync(join(tmpdir(), "tasker-bench-shapes-"));
    mkdirSync(written, { recursive: true });
    for (const shape of new Set<string>([...SHAPES, ...QUICK_SHAPES])) {
      const template = {
        name: shape,
        namespace_name: NAMESPACE,
        version: "1.0.0",
        description: `Benchmark shape ${shape} with no-op handlers`,
        steps: shapeSteps(shape),
      };
      writeFileSync(join(written, `${shape}.yaml`), JSON.stringify(template));
    }
  }
  return written;
}

/** Tasks of `shape` that make about `totalSteps` steps (at least one task). */
export function shapeTasks(shape: Shape, totalSteps: number): number {
  return Math.max(1, Math.round(totalSteps / stepsPerTask(shape)));
}

export interface ShapeRun extends ThroughputRun {
  shape: Shape;
  steps: number;
  stepsPerS: number;
}

/** Runs `shapeTasks(shape, totalSteps)` tasks of the shape through an engine whose worker runs. */
export async function runShape(
  engine: { tracker: CompletionTracker; createNamed(name: string): Promise<string> },
  shape: Shape,
  totalSteps: number,
  creators = 8,
): Promise<ShapeRun> {
  const tasks = shapeTasks(shape, totalSteps);
  const run = await measureThroughput({
    tasks,
    creators,
    tracker: engine.tracker,
    create: () => engine.createNamed(shape),
    timeoutMs: 600_000,
  });
  const steps = tasks * stepsPerTask(shape);
  return { ...run, shape, steps, stepsPerS: steps / (run.durationMs / 1000) };
}

/** What the shapes part needs of an engine (BenchEngine). */
export interface ShapeEngine {
  tracker: CompletionTracker;
  trace: SqlTrace;
  createNamed(name: string): Promise<string>;
  tasker: { database: { query<R>(sql: string, params?: readonly unknown[]): Promise<R[]> } };
}

/** One round of a shape, with the CPU it took: this process's, and the database's backends'. */
interface ShapeRound {
  run: ShapeRun;
  calls: number;
  roundTrips: number;
  cpuMs: number;
  dbCpuMs: number | null;
}

/**
 * The shapes part on one engine: `rounds` rounds, each running every shape once (the order reversed
 * every other round, so the machine's drift falls on all alike); per shape the median round.
 */
export async function benchShapes(
  engine: ShapeEngine,
  backend: Backend,
  opts: { shapes: readonly Shape[]; shapeSteps: number; rounds: number },
  say: (line: string) => void,
): Promise<BenchResult[]> {
  const runs = new Map<Shape, ShapeRound[]>(opts.shapes.map((s) => [s, []]));
  // The database's own CPU, from its backends' /proc entries (PostgreSQL on this machine); on
  // PGlite the database runs in this process and its CPU is the process's.
  const query: Query = async (text, values) =>
    ({ rows: await engine.tasker.database.query(text, values) }) as never;
  const [db] =
    backend === "postgres"
      ? await engine.tasker.database.query<{ name: string }>("SELECT current_database() AS name")
      : [];
  const dbCpu = () => (db ? backendCpu(query, db.name) : Promise.resolve(null));
  for (let round = 0; round < opts.rounds; round++) {
    const order = round % 2 === 0 ? opts.shapes : [...opts.shapes].reverse();
    for (const shape of order) {
      engine.trace.reset();
      const cpu0 = process.cpuUsage();
      const db0 = await dbCpu();
      const run = await runShape(engine, shape, opts.shapeSteps);
      const cpu = process.cpuUsage(cpu0);
      const dbCpuMs = cpuSpent(db0, await dbCpu());
      const cpuMs = (cpu.user + cpu.system) / 1000;
      runs.get(shape)?.push({
        run,
        calls: engine.trace.totalCalls(),
        roundTrips: engine.trace.roundTrips,
        cpuMs,
        dbCpuMs,
      });
      say(
        `[${backend}] ${shape}: ${run.tasks} task${run.tasks === 1 ? "" : "s"}, ${run.steps} steps in ${(run.durationMs / 1000).toFixed(2)} s = ${run.stepsPerS.toFixed(0)} steps/s, CPU ${(cpuMs / run.steps).toFixed(3)} ms/step${dbCpuMs === null ? "" : ` + database ${(dbCpuMs / run.steps).toFixed(3)}`}${opts.rounds > 1 ? ` (round ${round + 1})` : ""}`,
      );
    }
  }
  return opts.shapes.map((shape) => {
    const rs = runs.get(shape) ?? [];
    // The median round (the lower middle of an even count: no figure that no round measured).
    const sorted = [...rs].sort((a, b) => a.run.stepsPerS - b.run.stepsPerS);
    const mid = sorted[Math.floor((sorted.length - 1) / 2)];
    if (!mid) throw new Error(`no round of ${shape} was measured`);
    const { run, calls, roundTrips, cpuMs, dbCpuMs } = mid;
    return {
      ...emptyResult({
        system: "tasker",
        backend,
        transport: "postgres",
        workflow: shape,
        mode: "shape",
        concurrency: SHAPE_CONCURRENCY,
        runs: run.tasks,
      }),
      steps_per_s: round(run.stepsPerS, 1),
      tasks_per_s: round(run.tasksPerS, 2),
      drain_ms: round(run.drainMs, 0),
      duration_ms: round(run.durationMs, 0),
      queries_per_task: round(calls / run.tasks, 1),
      round_trips_per_task: round(roundTrips / run.tasks, 1),
      cpu_ms_per_step: round(cpuMs / run.steps, 3),
      db_cpu_ms_per_step: dbCpuMs === null ? null : round(dbCpuMs / run.steps, 3),
      // In round order (the same for every shape), so that a round's ratios can be taken.
      steps_per_s_rounds: rs.map((r) => round(r.run.stepsPerS, 1)),
    };
  });
}

/**
 * A shape's steps/s against the base shape's: the median of the rounds' ratios (each round ran both
 * within a minute or so, so a machine whose load drifts between rounds moves both alike), or the
 * ratio of the reported figures when the rounds are not known (older files).
 */
export function roundsRatio(r: BenchResult, base: BenchResult | undefined): number | null {
  const a = r.steps_per_s_rounds;
  const b = base?.steps_per_s_rounds;
  if (!a || !b || a.length !== b.length || a.length === 0 || b.some((x) => x === 0)) {
    return ratio(r.steps_per_s, base?.steps_per_s);
  }
  return round(
    percentile(
      a.map((x, i) => x / (b[i] as number)),
      50,
    ),
    3,
  );
}

/**
 * The issue's targets for the shapes, per backend: each of the largest shapes measured (the
 * 1,000-step ones in a full run) at >= 0.8x the 10-step shape's steps/s, and >= 1,000 steps/s on
 * PostgreSQL; the other shapes' ratios besides.
 */
export function shapeFindings(results: readonly BenchResult[]): Finding[] {
  const findings: Finding[] = [];
  for (const backend of ["postgres", "pglite"] as const) {
    const shapes = results.filter(
      (r) => r.system === "tasker" && r.mode === "shape" && r.backend === backend && r.workflow !== null,
    );
    if (shapes.length === 0) continue;
    const largest = Math.max(...shapes.map((r) => shapeSize(r.workflow as Shape)));
    const base = shapes.find((r) => r.workflow === BASE_SHAPE);
    for (const r of shapes) {
      const shape = r.workflow as Shape;
      const targeted = shapeSize(shape) === largest && shape !== BASE_SHAPE;
      findings.push({
        label: `${shape} steps/s on ${backend}`,
        value: r.steps_per_s,
        unit: "steps/s",
        ...(targeted && backend === "postgres"
          ? { target: "≥ 1000 steps/s", met: r.steps_per_s === null ? null : r.steps_per_s >= 1000 }
          : {}),
      });
      if (shape === BASE_SHAPE) continue;
      const value = roundsRatio(r, base);
      findings.push({
        label: `${shape} ÷ ${BASE_SHAPE} steps/s, ${backend}`,
        value,
        unit: "×",
        ...(targeted ? { target: "≥ 0.8×", met: value === null ? null : value >= 0.8 } : {}),
      });
      // What a step costs, which a busy machine does not inflate as it does the steps/s.
      const cpu = (x: BenchResult | undefined) =>
        x?.cpu_ms_per_step == null ? null : x.cpu_ms_per_step + (x.db_cpu_ms_per_step ?? 0);
      const cpuRatio = ratio(cpu(r), cpu(base));
      if (cpuRatio !== null) {
        findings.push({
          label: `${shape} ÷ ${BASE_SHAPE} CPU per step (engine${backend === "postgres" ? " + database" : ""}), ${backend}`,
          value: cpuRatio,
          unit: "×",
        });
      }
    }
  }
  return findings;
}
