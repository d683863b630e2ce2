// A task's steps seen against its template: which template steps the task has, which it will
// never have (a branch not taken), which it may still get, and which steps are instances of a
// batch worker. Pure; drawn by `tasker-ctl template visualize --task` and the dashboard's DAG.
import type { StepState } from "../state/step-states.js";
import type { DagStep } from "./dag.js";
import type { StepType } from "./schema.js";
import { createsSteps } from "./step-creation.js";

/** What drawing needs of a template step (a StepTemplate fits). */
export interface ShapeTemplateStep extends DagStep {
  type?: StepType;
}

/** Where a template step is in a task. */
export type StepPresence = "created" | "not_taken" | "not_yet_created";

export interface TaskShape {
  /** Each template step's presence (a batch worker is `created` once it has an instance). */
  presence: Map<string, StepPresence>;
  /** A batch worker's instances (task step names), by the worker's template step name. */
  instances: Map<string, string[]>;
  /** The batch worker an instance belongs to, by the instance's name. */
  instanceOf: Map<string, string>;
}

/** States after which a step's outcome can create nothing more. */
const SETTLED = new Set(["complete", "resolved_manually", "error", "cancelled"]);

/**
 * Compares the task's step names and states with its template. A template step the task lacks is
 * `not_taken` when a decision or batchable step that could have created it (directly, or through
 * the steps between) has finished: a standard step as soon as one of its dependencies is not
 * taken, a deferred convergence step only when every declared parent is. Otherwise it is
 * `not_yet_created` (its decision has not decided). A task step named `{worker}_{batch_id}` for a
 * batch worker of the template, and not itself a template step, is an instance of that worker.
 */
export function taskShape(
  templateSteps: readonly ShapeTemplateStep[],
  taskSteps: ReadonlyMap<string, string>,
): TaskShape {
  const byName = new Map(templateSteps.map((s) => [s.name, s]));
  const workers = templateSteps
    .filter((s) => s.type === "batch_worker")
    .map((s) => s.name)
    // The longest prefix wins, so process_batch_x_1 is not taken for process_batch's.
    .sort((a, b) => b.length - a.length);
  const instances = new Map<string, string[]>(workers.map((w) => [w, []]));
  const instanceOf = new Map<string, string>();
  for (const name of taskSteps.keys()) {
    if (byName.has(name)) continue;
    const worker = workers.find((w) => name.startsWith(`${w}_`));
    if (worker) {
      instances.get(worker)!.push(name);
      instanceOf.set(name, worker);
    }
  }

  const presence = new Map<string, StepPresence>();
  const visiting = new Set<string>();
  const presenceOf = (name: string): StepPresence => {
    const known = presence.get(name);
    if (known) return known;
    const step = byName.get(name);
    if (!step) return "not_yet_created";
    if (taskSteps.has(name) || (instances.get(name)?.length ?? 0) > 0) {
      presence.set(name, "created");
      return "created";
    }
    // A cycle cannot come from a loaded template; guard so a bad row cannot loop.
    if (visiting.has(name)) return "not_yet_created";
    visiting.add(name);
    const closed = (dep: string) => {
      const depStep = byName.get(dep);
      const state = taskSteps.get(dep);
      if (depStep && createsSteps(depStep.type ?? "standard") && state !== undefined)
        return SETTLED.has(state);
      return presenceOf(dep) === "not_taken";
    };
    const deps = step.dependencies;
    const notTaken =
      deps.length > 0 && (step.type === "deferred_convergence" ? deps.every(closed) : deps.some(closed));
    visiting.delete(name);
    const result: StepPresence = notTaken ? "not_taken" : "not_yet_created";
    presence.set(name, result);
    return result;
  };
  for (const step of templateSteps) presenceOf(step.name);
  return { presence, instances, instanceOf };
}

/** True when a template has steps created at run time (anything but standard steps). */
export function hasRunTimeSteps(templateSteps: readonly ShapeTemplateStep[]): boolean {
  return templateSteps.some((s) => (s.type ?? "standard") !== "standard");
}

/** Step states worst first, so a node standing for many steps shows the one needing attention. */
export const WORST_FIRST = [
  "error",
  "waiting_for_retry",
  "enqueued_as_error_for_orchestration",
  "in_progress",
  "enqueued",
  "enqueued_for_orchestration",
  "pending",
  "cancelled",
  "resolved_manually",
  "complete",
] as const satisfies readonly StepState[];

/** The worst of some steps' states (see WORST_FIRST), or undefined for none. */
export function worstState(states: Iterable<string | undefined>): StepState | undefined {
  const present = new Set(states);
  return WORST_FIRST.find((s) => present.has(s));
}

/** How many steps are in each state, worst state first. */
export function countStates(states: Iterable<string>): [string, number][] {
  const counts = new Map<string, number>();
  for (const s of states) counts.set(s, (counts.get(s) ?? 0) + 1);
  const order = (s: string) => {
    const i = (WORST_FIRST as readonly string[]).indexOf(s);
    return i < 0 ? WORST_FIRST.length : i;
  };
  return [...counts].sort((a, b) => order(a[0]) - order(b[0]));
}
