// Which steps of a template exist when: a task starts with the steps up to and including its
// first decisions and batchables, and each decision's outcome creates more. Pure functions over
// the template, used at load time (shape-rules.ts), at creation and when a decision's outcome is
// stored. The rules are written out in docs/templates.md ("Steps created at run time").
import type { DagStep } from "./dag.js";
import type { StepType } from "./schema.js";

/** What planning needs of a step (a StepTemplate fits). */
export interface ShapeStep extends DagStep {
  type: StepType;
}

/** A step whose outcome creates the steps behind it: a decision or a batchable step. */
export function createsSteps(type: StepType): boolean {
  return type === "decision" || type === "batchable";
}

/** The steps that depend on each step, in template order. */
export function childrenOf(steps: readonly DagStep[]): Map<string, string[]> {
  const children = new Map<string, string[]>(steps.map((s) => [s.name, []]));
  for (const s of steps) for (const d of s.dependencies) children.get(d)?.push(s.name);
  return children;
}

/** Steps to create, and the edges they bring. */
export interface StepsToCreate {
  /** Names of the steps to create, in template order (a step after its dependencies). */
  create: string[];
  /**
   * Dependencies of the new steps on steps that exist or are created with them. `order`: a
   * convergence step waits for a decision or batchable step that could still create one of its
   * missing parents, which is not made its ancestor (see creatorsToWaitFor).
   */
  edges: { from: string; to: string; order?: true }[];
  /**
   * New parents of deferred convergence steps that exist already: an edge each, to be added only
   * while the convergence step has not started (see docs/templates.md).
   */
  lateEdges: { from: string; to: string; order?: true }[];
}

/**
 * The steps created when `seeds` are (with `existing` already in the task): each seed, then every
 * step whose dependencies all exist or are created now, stopping at decisions and batchables
 * (their outcome creates what is behind them), and every deferred convergence step one of whose
 * declared parents is created, with edges from the parents that exist or are created. Batch
 * workers are never created here (a batchable's outcome names their instances).
 */
export function stepsCreatedWith(
  steps: readonly ShapeStep[],
  existing: ReadonlySet<string>,
  seeds: readonly string[],
  /** The step whose outcome is applied now: it finishes with it, so nothing waits for it. */
  finishing?: string,
): StepsToCreate {
  const byName = new Map(steps.map((s) => [s.name, s]));
  const children = childrenOf(steps);
  const created = new Set<string>();
  const present = (name: string) => existing.has(name) || created.has(name);
  const queue: string[] = [];
  const add = (name: string) => {
    if (present(name)) return;
    created.add(name);
    queue.push(name);
  };
  for (const seed of seeds) add(seed);
  const lateEdges: { from: string; to: string; order?: true }[] = [];
  while (queue.length > 0) {
    const name = queue.shift() as string;
    const step = byName.get(name) as ShapeStep;
    for (const childName of children.get(name) ?? []) {
      const child = byName.get(childName) as ShapeStep;
      if (child.type === "deferred_convergence") {
        if (existing.has(childName)) lateEdges.push({ from: name, to: childName });
        else add(childName);
      } else if (!createsSteps(step.type) && child.type !== "batch_worker") {
        if (child.dependencies.every(present)) add(childName);
      }
    }
  }
  const create = steps.filter((s) => created.has(s.name)).map((s) => s.name);
  const edges: StepsToCreate["edges"] = create.flatMap((to) =>
    (byName.get(to) as ShapeStep).dependencies.filter(present).map((from) => ({ from, to })),
  );
  const waitFor = (c: ShapeStep, from: (name: string) => boolean) =>
    creatorsToWaitFor(steps, c, present)
      .filter((x) => x !== finishing && from(x))
      .map((x) => ({ from: x, to: c.name, order: true as const }));
  for (const c of steps) {
    if (c.type !== "deferred_convergence") continue;
    if (created.has(c.name)) edges.push(...waitFor(c, () => true));
    // One that exists already waits for the creators created now too (while it is pending).
    else if (existing.has(c.name)) lateEdges.push(...waitFor(c, (x) => created.has(x)));
  }
  return { create, edges, lateEdges };
}

/**
 * The decisions and batchable steps present in a task (`present`) that could still create one of
 * `convergence`'s declared parents the task does not have: those the parent descends from in the
 * template. The convergence step waits for them (an ordering edge), so it cannot run before a
 * parent it would have waited for is created; their outcome then adds the parent's edge while it
 * is still pending. Its own declared parents are not among them (it waits for those anyway).
 */
export function creatorsToWaitFor(
  steps: readonly ShapeStep[],
  convergence: ShapeStep,
  present: (name: string) => boolean,
): string[] {
  const missing = convergence.dependencies.filter((d) => !present(d));
  if (missing.length === 0) return [];
  const byName = new Map(steps.map((s) => [s.name, s]));
  const above = new Set<string>();
  const queue = [...missing];
  while (queue.length > 0) {
    const step = byName.get(queue.shift() as string);
    for (const d of step?.dependencies ?? []) {
      if (above.has(d)) continue;
      above.add(d);
      queue.push(d);
    }
  }
  return steps
    .filter(
      (s) =>
        above.has(s.name) &&
        createsSteps(s.type) &&
        present(s.name) &&
        !convergence.dependencies.includes(s.name),
    )
    .map((s) => s.name);
}

/**
 * The steps a new task starts with: from the roots, up to and including the first decisions and
 * batchables; deferred convergence steps only once one of their parents is among them.
 */
export function initialSteps(steps: readonly ShapeStep[]): StepsToCreate {
  const roots = steps.filter(
    (s) => s.dependencies.length === 0 && s.type !== "deferred_convergence" && s.type !== "batch_worker",
  );
  return stepsCreatedWith(
    steps,
    new Set(),
    roots.map((s) => s.name),
  );
}

/**
 * The template steps a new task starts with (see initialSteps), each with only the dependencies
 * it has in the task (a convergence step's parents that are created with it). A template without
 * run-time step types gives back its own steps.
 */
export function initialTemplateSteps<T extends ShapeStep>(
  steps: readonly T[],
  opts: { orderEdges?: boolean } = {},
): T[] {
  const initial = initialSteps(steps);
  const created = new Set(initial.create);
  if (created.size === steps.length) return [...steps];
  // A convergence step's ordering edges (creatorsToWaitFor) are dependencies of the new task's
  // graph, but not ancestry: `orderEdges: false` leaves them out.
  const waits = (name: string) =>
    opts.orderEdges === false ? [] : initial.edges.filter((e) => e.order && e.to === name).map((e) => e.from);
  return steps
    .filter((s) => created.has(s.name))
    .map((s) => {
      const extra = waits(s.name);
      return s.dependencies.every((d) => created.has(d)) && extra.length === 0
        ? s
        : { ...s, dependencies: [...s.dependencies.filter((d) => created.has(d)), ...extra] };
    });
}

/**
 * The steps a decision's outcome may name: those reachable from it through standard steps, up to
 * and including the next decisions and batchables. Deferred convergence steps are created by
 * themselves and batch workers by their batchable, so neither is named.
 */
export function outcomeSteps(steps: readonly ShapeStep[], decision: string): string[] {
  const byName = new Map(steps.map((s) => [s.name, s]));
  const children = childrenOf(steps);
  const reached = new Set<string>();
  const queue = [...(children.get(decision) ?? [])];
  while (queue.length > 0) {
    const name = queue.shift() as string;
    const step = byName.get(name) as ShapeStep;
    if (reached.has(name) || step.type === "deferred_convergence" || step.type === "batch_worker") continue;
    reached.add(name);
    if (!createsSteps(step.type)) queue.push(...(children.get(name) ?? []));
  }
  return steps.filter((s) => reached.has(s.name)).map((s) => s.name);
}

/** A decision's outcome, as its handler returns it. */
export type DecisionOutcome = { type: "create_steps"; step_names: string[] } | { type: "no_branches" };

/** Why an outcome cannot be applied: the names at fault, and a message saying what to do. */
export interface OutcomeProblem {
  names: string[];
  message: string;
}

/**
 * The steps a decision's outcome creates in a task whose steps are `existing`, or the problem with
 * the outcome: names that are not steps of the template, that the decision cannot reach, that
 * wait for steps the task does not have, or more names than `maxSteps`.
 */
export function stepsForOutcome(
  steps: readonly ShapeStep[],
  decision: string,
  outcome: DecisionOutcome,
  existing: ReadonlySet<string>,
  maxSteps: number,
): StepsToCreate | OutcomeProblem {
  if (outcome.type === "no_branches") return { create: [], edges: [], lateEdges: [] };
  const names = [...new Set(outcome.step_names)];
  const known = new Set(steps.map((s) => s.name));
  const reachable = outcomeSteps(steps, decision);
  const unknown = names.filter((n) => !known.has(n));
  if (unknown.length > 0) {
    return {
      names: unknown,
      message: `decision "${decision}" named ${quoted(unknown)}, not ${unknown.length === 1 ? "a step" : "steps"} of the template; it can create ${quoted(reachable) || "no step"}`,
    };
  }
  const unreachable = names.filter((n) => !reachable.includes(n));
  if (unreachable.length > 0) {
    return {
      names: unreachable,
      message: `decision "${decision}" named ${quoted(unreachable)}, not reachable from it; it can create ${quoted(reachable) || "no step"}`,
    };
  }
  if (names.length > maxSteps) {
    return {
      names,
      message: `decision "${decision}" named ${names.length} steps, more than the limit of ${maxSteps} per decision`,
    };
  }
  const plan = stepsCreatedWith(
    steps,
    existing,
    names.filter((n) => !existing.has(n)),
    decision,
  );
  const byName = new Map(steps.map((s) => [s.name, s]));
  const present = new Set([...existing, ...plan.create]);
  const waiting = names.filter(
    (n) => !(byName.get(n) as ShapeStep).dependencies.every((d) => present.has(d)),
  );
  if (waiting.length > 0) {
    return {
      names: waiting,
      message: `decision "${decision}" named ${quoted(waiting)}, which ${waiting.length === 1 ? "depends" : "depend"} on steps this task does not have; name the steps they wait for too`,
    };
  }
  return plan;
}

function quoted(names: readonly string[]): string {
  return names.map((n) => `"${n}"`).join(", ");
}
