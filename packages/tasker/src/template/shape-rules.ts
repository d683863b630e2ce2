// Load-time rules of the step types that change a task's shape at run time (decision,
// deferred_convergence, batchable, batch_worker). Checked once the steps form a valid DAG.
import { BATCH_CONFIG_KEY, BATCH_INPUTS_KEY } from "../model/batch-outcome.js";
import { didYouMean } from "./closest-names.js";
import type { BatchConfig } from "./schema.js";
import { childrenOf, outcomeSteps, type ShapeStep } from "./step-creation.js";

/** Limits on decisions (see docs/templates.md); both are per template. */
export interface ShapeLimits {
  /** Steps one decision's outcome may name (and the steps it can name, at load time). */
  maxStepsPerDecision: number;
  /** Decisions on any path from a root step, the decision itself included. */
  maxDecisionDepth: number;
}

export const DEFAULT_SHAPE_LIMITS: Readonly<ShapeLimits> = Object.freeze({
  maxStepsPerDecision: 100,
  maxDecisionDepth: 10,
});

/** A step as the rules read it (a StepTemplate fits). */
export interface RuleStep extends ShapeStep {
  batch_config?: Pick<BatchConfig, "worker_template"> | undefined;
  handler?: { initialization?: Record<string, unknown> | undefined } | undefined;
}

/** Initialization keys the engine writes (a batch instance's batch, a batchable's batch_config). */
const RESERVED_INITIALIZATION_KEYS = [BATCH_INPUTS_KEY, BATCH_CONFIG_KEY];

/** A problem of a step's type: the step and key it concerns, and what to do. */
export interface ShapeIssue {
  step: string;
  key: string;
  message: string;
}

/** Every rule of the run-time step types broken by `steps` (a valid DAG), each once. */
export function shapeIssues(
  steps: readonly RuleStep[],
  limits: ShapeLimits = DEFAULT_SHAPE_LIMITS,
): ShapeIssue[] {
  return [
    ...reservedKeyIssues(steps),
    ...batchIssues(steps),
    ...decisionIssues(steps, limits),
    ...convergenceIssues(steps),
  ];
}

/** A template's own value under a reserved key would be overwritten, or read as the engine's. */
function reservedKeyIssues(steps: readonly RuleStep[]): ShapeIssue[] {
  return steps.flatMap((step) =>
    RESERVED_INITIALIZATION_KEYS.filter((k) => Object.hasOwn(step.handler?.initialization ?? {}, k)).map(
      (k) => ({
        step: step.name,
        key: `handler.initialization.${k}`,
        message: `"${k}" is reserved: the engine gives it to batch steps (${RESERVED_INITIALIZATION_KEYS.join(", ")}); use another key`,
      }),
    ),
  );
}

function batchIssues(steps: readonly RuleStep[]): ShapeIssue[] {
  const issues: ShapeIssue[] = [];
  const byName = new Map(steps.map((s) => [s.name, s]));
  const creatorOf = new Map<string, string>();
  for (const step of steps) {
    if (step.type !== "batchable") {
      if (step.batch_config) {
        issues.push({
          step: step.name,
          key: "batch_config",
          message: `only a batchable step has batch_config (this one is ${step.type}); set type: batchable or remove batch_config`,
        });
      }
      continue;
    }
    if (!step.batch_config) {
      issues.push({
        step: step.name,
        key: "batch_config",
        message:
          "is required for a batchable step: say how its batches are made, e.g. batch_config: { batch_size: 100, worker_template: process_batch }",
      });
      continue;
    }
    const workerName = step.batch_config.worker_template;
    const worker = byName.get(workerName);
    if (!worker) {
      const others = steps.filter((s) => s.type === "batch_worker").map((s) => s.name);
      const hint = didYouMean(workerName, others) || `; add a step "${workerName}" with type: batch_worker`;
      issues.push({
        step: step.name,
        key: "batch_config.worker_template",
        message: `unknown step "${workerName}"${hint}`,
      });
    } else if (worker.type !== "batch_worker") {
      issues.push({
        step: step.name,
        key: "batch_config.worker_template",
        message: `"${workerName}" is a ${worker.type} step; the worker template must be a step of type batch_worker`,
      });
    } else if (creatorOf.has(workerName)) {
      issues.push({
        step: step.name,
        key: "batch_config.worker_template",
        message: `"${workerName}" is already the worker template of "${creatorOf.get(workerName)}"; give each batchable step its own batch_worker`,
      });
    } else {
      creatorOf.set(workerName, step.name);
    }
  }
  for (const step of steps) {
    if (step.type === "batch_worker") {
      const creator = creatorOf.get(step.name);
      if (creator === undefined) {
        issues.push({
          step: step.name,
          key: "type",
          message: `no batchable step names "${step.name}" as its batch_config.worker_template, so it would never run; name it in one, or make it a standard step`,
        });
      } else if (step.dependencies.length !== 1 || step.dependencies[0] !== creator) {
        // Its instances hang off the batchable step alone: other dependencies would give no edge.
        issues.push({
          step: step.name,
          key: "dependencies",
          message: `a batch worker depends only on the batchable step that creates its instances: set its dependencies to ["${creator}"] (what else it needs, make a dependency of "${creator}")`,
        });
      }
    }
    for (const worker of steps) {
      // Instances are named {worker_template}_{batch_id}: a step named so would collide with one,
      // and batchResults and fail_fast find a batch's instances by that prefix.
      if (worker.type === "batch_worker" && worker !== step && step.name.startsWith(`${worker.name}_`)) {
        issues.push({
          step: step.name,
          key: "name",
          message: `starts with "${worker.name}_", the prefix of batch worker "${worker.name}"'s instances ({worker_template}_{batch_id}); rename one of them`,
        });
      }
    }
    if (step.type === "deferred_convergence") continue;
    for (const dep of step.dependencies) {
      if (byName.get(dep)?.type === "batch_worker") {
        issues.push({
          step: step.name,
          key: "dependencies",
          message: `"${dep}" is a batch_worker, a template of the instances its batchable step creates at run time, not a step of its own; only a deferred_convergence step can depend on it (and then waits for every instance)`,
        });
      }
    }
  }
  return issues;
}

function decisionIssues(steps: readonly RuleStep[], limits: ShapeLimits): ShapeIssue[] {
  const issues: ShapeIssue[] = [];
  const descendants = descendantsOf(steps);
  for (const step of steps) {
    if (step.type !== "decision") continue;
    if (step.dependencies.length === 0) {
      issues.push({
        step: step.name,
        key: "dependencies",
        message:
          "a decision step needs at least one parent (it decides from their results); add dependencies, e.g. a step that gathers what the decision needs",
      });
    }
    const possible = outcomeSteps(steps, step.name);
    if (possible.length === 0) {
      issues.push({
        step: step.name,
        key: "type",
        message: `no step depends on decision "${step.name}", so its outcome could create nothing; add the steps it chooses between, each with dependencies: [${step.name}]`,
      });
    } else if (possible.length > limits.maxStepsPerDecision) {
      issues.push({
        step: step.name,
        key: "type",
        message: `decision "${step.name}" can create ${possible.length} steps, more than the limit of ${limits.maxStepsPerDecision} per decision; split it into several decisions`,
      });
    }
    // A possible outcome that also waits for a step only a later decision or batch creates: the
    // decision could never create it (that step cannot exist yet when the decision decides).
    const later = descendants.get(step.name) as Set<string>;
    const reachable = new Set(possible);
    for (const name of possible) {
      const outcome = steps.find((s) => s.name === name) as RuleStep;
      const blocked = outcome.dependencies.filter(
        (d) => d !== step.name && later.has(d) && !reachable.has(d),
      );
      if (blocked.length > 0) {
        issues.push({
          step: name,
          key: "dependencies",
          message: `is a possible outcome of decision "${step.name}" but also waits for ${blocked.map((b) => `"${b}"`).join(", ")}, which only a later decision or batch creates; decision "${step.name}" could never create it: make it a deferred_convergence step, or depend on steps that exist when the decision decides`,
        });
      }
    }
  }
  for (const [name, path] of decisionPaths(steps)) {
    if (path.length > limits.maxDecisionDepth) {
      issues.push({
        step: name,
        key: "type",
        message: `decision "${name}" is ${path.length} decisions deep (${path.join(" -> ")}), more than the limit of ${limits.maxDecisionDepth}; flatten the decisions`,
      });
    }
  }
  return issues;
}

function convergenceIssues(steps: readonly RuleStep[]): ShapeIssue[] {
  return steps
    .filter((s) => s.type === "deferred_convergence" && s.dependencies.length === 0)
    .map((s) => ({
      step: s.name,
      key: "dependencies",
      message:
        "a deferred_convergence step lists every step it may wait for (it is created once one of them is); add dependencies",
    }));
}

/** Every step's descendants (a valid DAG). */
function descendantsOf(steps: readonly RuleStep[]): Map<string, Set<string>> {
  const children = childrenOf(steps);
  const result = new Map<string, Set<string>>();
  const visit = (name: string): Set<string> => {
    const known = result.get(name);
    if (known) return known;
    const all = new Set<string>();
    for (const c of children.get(name) ?? []) {
      all.add(c);
      for (const d of visit(c)) all.add(d);
    }
    result.set(name, all);
    return all;
  };
  for (const s of steps) visit(s.name);
  return result;
}

/** For each decision, the longest chain of decisions from a root down to it (itself last). */
function decisionPaths(steps: readonly RuleStep[]): Map<string, string[]> {
  const byName = new Map(steps.map((s) => [s.name, s]));
  const deepest = new Map<string, string[]>();
  const visit = (name: string): string[] => {
    const known = deepest.get(name);
    if (known) return known;
    const step = byName.get(name) as RuleStep;
    let above: string[] = [];
    for (const d of step.dependencies) {
      const path = visit(d);
      if (path.length > above.length) above = path;
    }
    const path = step.type === "decision" ? [...above, name] : above;
    deepest.set(name, path);
    return path;
  };
  const paths = new Map<string, string[]>();
  for (const s of steps) if (s.type === "decision") paths.set(s.name, visit(s.name));
  return paths;
}
