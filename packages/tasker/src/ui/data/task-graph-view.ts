// What the task page's DAG draws: the task's steps, the template's steps the task lacks (branches
// not taken, or not created yet) and a batch worker's many instances as one node. Pure.
import type { StepResponse } from "../../model/task-response.js";
import type { StepType } from "../../template/schema.js";
import { createsSteps } from "../../template/step-creation.js";
import {
  hasRunTimeSteps,
  type ShapeTemplateStep,
  type StepPresence,
  taskShape,
} from "../../template/task-shape.js";

/** More instances of one batch worker than this are drawn as one node (and a page stays usable). */
export const BATCH_GROUP_OVER = 12;

/** A word for each step type created at run time, shown before a node's detail. */
export const STEP_TYPE_WORDS: Partial<Record<StepType, string>> = {
  decision: "decision",
  deferred_convergence: "converges",
  batchable: "batches",
  batch_worker: "batch",
};

/** A possible branch: an edge out of a decision or a batchable step, or into a convergence step. */
export function isPossibleEdge(fromType: StepType, toType: StepType): boolean {
  return createsSteps(fromType) || toType === "deferred_convergence";
}

export type GraphNode =
  | { kind: "step"; id: string; type: StepType; step: StepResponse }
  | { kind: "absent"; id: string; type: StepType; presence: Exclude<StepPresence, "created"> }
  | { kind: "batch"; id: string; type: "batch_worker"; instances: StepResponse[] };

export interface GraphEdge {
  from: string;
  to: string;
  /** A possible branch: out of a decision or a batchable step, or into a convergence step. */
  possible: boolean;
}

export interface TaskGraph {
  nodes: GraphNode[];
  edges: GraphEdge[];
  /** The batch workers drawn as one node, by name, with their instances. */
  groups: Map<string, StepResponse[]>;
}

/**
 * The task page's graph. Without a template (or for a template of standard steps only) it is the
 * task's steps and edges as they are. Otherwise the template's steps the task lacks are added
 * with their template edges, and a batch worker with more than `groupOver` instances becomes one
 * node (id: the worker's name) whose edges stand for its instances'.
 */
export function taskGraph(
  steps: readonly StepResponse[],
  edges: readonly { from: string; to: string }[],
  templateSteps: readonly ShapeTemplateStep[] | undefined,
  groupOver = BATCH_GROUP_OVER,
): TaskGraph {
  if (!templateSteps || !hasRunTimeSteps(templateSteps)) {
    return {
      nodes: steps.map((step) => ({ kind: "step", id: step.name, type: "standard", step })),
      edges: edges.map((e) => ({ ...e, possible: false })),
      groups: new Map(),
    };
  }
  const shape = taskShape(templateSteps, new Map(steps.map((s) => [s.name, s.current_state])));
  const typeOf = new Map(templateSteps.map((s) => [s.name, s.type ?? "standard"]));
  const templateName = (name: string) => shape.instanceOf.get(name) ?? name;
  const stepType = (name: string): StepType => typeOf.get(templateName(name)) ?? "standard";
  const byName = new Map(steps.map((s) => [s.name, s]));

  const groups = new Map<string, StepResponse[]>();
  for (const [worker, names] of shape.instances) {
    if (names.length > groupOver)
      groups.set(
        worker,
        names.map((n) => byName.get(n) as StepResponse),
      );
  }
  const nodeOf = (name: string) => {
    const worker = shape.instanceOf.get(name);
    return worker && groups.has(worker) ? worker : name;
  };

  const nodes: GraphNode[] = [];
  for (const step of steps) {
    if (nodeOf(step.name) === step.name)
      nodes.push({ kind: "step", id: step.name, type: stepType(step.name), step });
  }
  for (const [worker, instances] of groups)
    nodes.push({ kind: "batch", id: worker, type: "batch_worker", instances });
  const absent = new Set<string>();
  for (const t of templateSteps) {
    const presence = shape.presence.get(t.name);
    if (presence === undefined || presence === "created") continue;
    absent.add(t.name);
    nodes.push({ kind: "absent", id: t.name, type: typeOf.get(t.name) ?? "standard", presence });
  }

  const possible = (from: string, to: string) => isPossibleEdge(stepType(from), stepType(to));
  const seen = new Set<string>();
  const out: GraphEdge[] = [];
  const add = (from: string, to: string, possibleEdge: boolean) => {
    const key = `${from}\u0000${to}`;
    if (from === to || seen.has(key)) return;
    seen.add(key);
    out.push({ from, to, possible: possibleEdge });
  };
  for (const e of edges) add(nodeOf(e.from), nodeOf(e.to), possible(e.from, e.to));
  // The template's edges into and out of the steps the task lacks: where a branch would have gone.
  for (const t of templateSteps) {
    for (const dep of t.dependencies) {
      if (absent.has(t.name) || absent.has(dep)) add(dep, t.name, true);
    }
  }
  return { nodes, edges: out, groups };
}
