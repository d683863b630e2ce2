import { didYouMean } from "./closest-names.js";

/** What the DAG functions need of a step (a StepTemplate fits). */
export interface DagStep {
  name: string;
  dependencies: readonly string[];
}

/** A problem of a step graph: the step and key it concerns, and what to do. */
export interface DagIssue {
  step: string;
  key: "name" | "dependencies";
  message: string;
}

/**
 * Structural problems of a template's step graph: duplicate names, unknown dependencies,
 * self-dependencies and cycles. Empty when the steps form a valid DAG.
 */
export function validateDag(template: { steps: readonly DagStep[] }): DagIssue[] {
  const { steps } = template;
  const names = steps.map((s) => s.name);
  const known = new Set(names);
  const issues: DagIssue[] = [];

  const seen = new Set<string>();
  const reported = new Set<string>();
  for (const name of names) {
    if (seen.has(name) && !reported.has(name)) {
      reported.add(name);
      const positions = names.flatMap((n, i) => (n === name ? [`#${i + 1}`] : []));
      issues.push({
        step: name,
        key: "name",
        message: `duplicate step name (steps ${positions.join(" and ")} use it); step names must be unique, rename one`,
      });
    }
    seen.add(name);
  }

  for (const step of steps) {
    for (const dep of step.dependencies) {
      if (dep === step.name) {
        issues.push({
          step: step.name,
          key: "dependencies",
          message: `a step cannot depend on itself; remove "${dep}" from its dependencies`,
        });
      } else if (!known.has(dep)) {
        const others = names.filter((n) => n !== step.name);
        const hint = didYouMean(dep, others) || `; known steps: ${others.join(", ")}`;
        issues.push({ step: step.name, key: "dependencies", message: `unknown step "${dep}"${hint}` });
      }
    }
  }

  for (const cycle of findCycles(steps)) {
    issues.push({
      step: cycle[0]!,
      key: "dependencies",
      message: `dependency cycle: ${[...cycle, cycle[0]].join(" -> ")}; remove one of these dependencies`,
    });
  }
  return issues;
}

/**
 * Cycles in execution order (a -> b means b depends on a), each reported once. Self-dependencies
 * and unknown names are left to their own checks.
 */
function findCycles(steps: readonly DagStep[]): string[][] {
  const dependents = new Map<string, string[]>();
  for (const s of steps) if (!dependents.has(s.name)) dependents.set(s.name, []);
  for (const s of steps) {
    for (const dep of s.dependencies) {
      if (dep !== s.name && dependents.has(dep)) dependents.get(dep)!.push(s.name);
    }
  }

  const order = [...dependents.keys()];
  const color = new Map<string, "visiting" | "done">();
  const stack: string[] = [];
  const cycles = new Map<string, string[]>();

  const visit = (node: string): void => {
    color.set(node, "visiting");
    stack.push(node);
    for (const next of dependents.get(node)!) {
      const state = color.get(next);
      if (state === "visiting") {
        const cycle = stack.slice(stack.indexOf(next));
        const canonical = rotateToEarliest(cycle, order);
        cycles.set(canonical.join(">"), canonical);
      } else if (state === undefined) {
        visit(next);
      }
    }
    stack.pop();
    color.set(node, "done");
  };
  for (const node of order) if (!color.has(node)) visit(node);
  return [...cycles.values()];
}

/** Starts a cycle at its earliest-declared step, so the same cycle always prints the same way. */
function rotateToEarliest(cycle: string[], order: string[]): string[] {
  let start = 0;
  for (let i = 1; i < cycle.length; i++) {
    if (order.indexOf(cycle[i]!) < order.indexOf(cycle[start]!)) start = i;
  }
  return [...cycle.slice(start), ...cycle.slice(0, start)];
}

/**
 * Steps in an order where every step comes after its dependencies; ties keep declaration order,
 * so the result is stable. Throws on a graph that `validateDag` would reject.
 */
export function topologicalOrder<T extends DagStep>(steps: readonly T[]): T[] {
  const placed = new Set<string>();
  const remaining = [...steps];
  const ordered: T[] = [];
  while (remaining.length > 0) {
    const index = remaining.findIndex((s) => s.dependencies.every((d) => placed.has(d)));
    if (index === -1) {
      const stuck = remaining.map((s) => s.name).join(", ");
      throw new Error(
        `steps ${stuck} cannot be ordered (a dependency cycle or an unknown dependency); run validateDag for details`,
      );
    }
    const [next] = remaining.splice(index, 1);
    ordered.push(next!);
    placed.add(next!.name);
  }
  return ordered;
}

/**
 * Every transitive ancestor of each step (handlers receive the results of all of them), in
 * topological order. Throws on an invalid graph, like `topologicalOrder`.
 */
export function ancestorsOf(steps: readonly DagStep[]): Map<string, Set<string>> {
  const order = topologicalOrder(steps).map((s) => s.name);
  const byName = new Map(steps.map((s) => [s.name, s]));
  const ancestors = new Map<string, Set<string>>();
  for (const name of order) {
    const own = new Set<string>();
    for (const dep of byName.get(name)!.dependencies) {
      own.add(dep);
      for (const a of ancestors.get(dep)!) own.add(a);
    }
    ancestors.set(name, new Set(order.filter((n) => own.has(n))));
  }
  return ancestors;
}

/** Steps without dependencies: the ones a new task starts with. */
export function rootSteps<T extends DagStep>(steps: readonly T[]): T[] {
  return steps.filter((s) => s.dependencies.length === 0);
}
