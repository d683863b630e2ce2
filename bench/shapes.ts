// Wide and long tasks (issue #22): does a step cost the same in a task of 10 steps and in one of
// 1,000? Each shape runs the same number of steps in all (`--shape-steps`), as tasks of its size
// created by 8 clients while the worker runs, so the worker always has work: steps/s over first
// create -> last completion, compared with the 10-step shape's in the same run.
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { CompletionTracker } from "./completion-tracker.js";
import { measureThroughput, type ThroughputRun } from "./measure.js";

export const SHAPES = [
  "independent10",
  "independent100",
  "independent1000",
  "fanout1000",
  "chain1000",
] as const;
export type Shape = (typeof SHAPES)[number];

const NAMESPACE = "bench";
const NOOP = { callable: "bench.noop" };

interface TemplateStep {
  name: string;
  handler: { callable: string };
  dependencies?: string[];
}

/** The steps of a shape: n independent steps, a root -> n -> join fan-out/fan-in, or an n-step chain. */
function shapeSteps(shape: Shape): TemplateStep[] {
  const n = Number(/\d+$/.exec(shape)?.[0]);
  const name = (i: number) => `s${i}`;
  if (shape.startsWith("independent")) {
    return Array.from({ length: n }, (_, i) => ({ name: name(i), handler: NOOP }));
  }
  if (shape.startsWith("fanout")) {
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

/** The shapes as templates of the bench namespace, run by the no-op handler. */
const SHAPE_TEMPLATES = SHAPES.map((shape) => ({
  name: shape,
  namespace_name: NAMESPACE,
  version: "1.0.0",
  description: `Benchmark shape ${shape} with no-op handlers`,
  steps: shapeSteps(shape),
}));

export const STEPS_PER_SHAPE: Record<Shape, number> = Object.fromEntries(
  SHAPE_TEMPLATES.map((t) => [t.name, t.steps.length]),
) as Record<Shape, number>;

let written: string | undefined;
/**
 * A directory holding the shapes' template files (JSON, which is YAML), made once per process: the
 * engine loads them like the other bench templates (templatePaths).
 */
export function shapeTemplateDir(): string {
  if (!written) {
    written = mkdtempSync(join(tmpdir(), "tasker-bench-shapes-"));
    mkdirSync(written, { recursive: true });
    for (const t of SHAPE_TEMPLATES) writeFileSync(join(written, `${t.name}.yaml`), JSON.stringify(t));
  }
  return written;
}

/** Tasks of `shape` that make about `totalSteps` steps (at least one task). */
export function shapeTasks(shape: Shape, totalSteps: number): number {
  return Math.max(1, Math.round(totalSteps / STEPS_PER_SHAPE[shape]));
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
  const steps = tasks * STEPS_PER_SHAPE[shape];
  return { ...run, shape, steps, stepsPerS: steps / (run.durationMs / 1000) };
}
