import type { StepState } from "../state/step-states.js";
import type { DagStep } from "./dag.js";
import type { StepType } from "./schema.js";
import { countStates, hasRunTimeSteps, type StepPresence, taskShape, worstState } from "./task-shape.js";

/** Options of {@link templateToMermaid}. */
export interface MermaidOptions {
  /**
   * Current state per step name (e.g. of a running task): nodes are coloured and labelled. A
   * batch worker's instances (`{worker}_{batch_id}`) are counted on the worker's node.
   */
  stepStates?: Partial<Record<string, StepState>>;
}

/** Node colours by state: green done, red failed, blue running, orange retrying, grey waiting. */
const STATE_STYLES: Record<StepState, string> = {
  pending: "fill:#eeeeee,stroke:#9e9e9e,color:#424242",
  enqueued: "fill:#e3f2fd,stroke:#1e88e5,color:#0d47a1",
  in_progress: "fill:#bbdefb,stroke:#1565c0,color:#0d47a1",
  enqueued_for_orchestration: "fill:#e3f2fd,stroke:#1e88e5,color:#0d47a1",
  enqueued_as_error_for_orchestration: "fill:#fff3e0,stroke:#fb8c00,color:#e65100",
  waiting_for_retry: "fill:#ffe0b2,stroke:#ef6c00,color:#e65100",
  complete: "fill:#c8e6c9,stroke:#2e7d32,color:#1b5e20",
  resolved_manually: "fill:#dcedc8,stroke:#558b2f,color:#33691e",
  error: "fill:#ffcdd2,stroke:#c62828,color:#b71c1c",
  cancelled: "fill:#d7ccc8,stroke:#5d4037,color:#3e2723",
};

/** Steps a task's run did not create: a branch not taken, or one whose decision is pending. */
const ABSENT_STYLES: Record<Exclude<StepPresence, "created">, string> = {
  not_taken: "fill:#fafafa,stroke:#bdbdbd,stroke-dasharray:4 3,color:#9e9e9e",
  not_yet_created: "fill:#ffffff,stroke:#90a4ae,stroke-dasharray:2 2,color:#607d8b",
};
const ABSENT_LABELS: Record<Exclude<StepPresence, "created">, string> = {
  not_taken: "not taken",
  not_yet_created: "not created yet",
};

/** Node shapes of the step types: a decision is a rhombus, the others have their own. */
const SHAPES: Record<StepType, [string, string]> = {
  standard: ["[", "]"],
  decision: ["{", "}"],
  deferred_convergence: ["([", "])"],
  batchable: ["[[", "]]"],
  batch_worker: ["[/", "/]"],
};

type MermaidStep = DagStep & { type?: StepType };

/**
 * A Mermaid `flowchart TD` of a template's steps, edges pointing from a dependency to the step
 * that waits for it. Possible branches - the edges out of a decision or a batchable step, and into
 * a deferred convergence step - are dotted; each step type has its shape, a batch worker is one
 * node standing for its N instances, and a legend says so. With `stepStates`, each node shows its
 * state and gets that state's class; a template step the task does not have is drawn as not taken
 * (its decision chose otherwise) or not created yet (its decision has not decided).
 */
export function templateToMermaid(
  template: { namespace_name?: string; name?: string; version?: string; steps: readonly MermaidStep[] },
  options: MermaidOptions = {},
): string {
  const { stepStates } = options;
  const lines = ["flowchart TD"];
  if (template.name) {
    lines.push(
      `  %% ${[template.namespace_name, template.name, template.version].filter(Boolean).join("/")}`,
    );
  }
  const typeOf = new Map(template.steps.map((s) => [s.name, s.type ?? "standard"]));
  const runTime = hasRunTimeSteps(template.steps);
  const shape =
    stepStates && runTime
      ? taskShape(
          template.steps,
          new Map(Object.entries(stepStates).filter((e): e is [string, StepState] => e[1] !== undefined)),
        )
      : undefined;
  const stateOf = (name: string): StepState | undefined => {
    const instances = shape?.instances.get(name);
    if (instances && instances.length > 0) return worstState(instances.map((i) => stepStates?.[i]));
    return stepStates?.[name];
  };

  for (const step of template.steps) {
    const type = typeOf.get(step.name) as StepType;
    const state = stateOf(step.name);
    const presence = shape?.presence.get(step.name) ?? "created";
    const notes: string[] = [];
    if (type === "batch_worker") notes.push(instanceNote(shape?.instances.get(step.name), stepStates));
    else if (state) notes.push(state);
    if (presence !== "created") notes.push(ABSENT_LABELS[presence]);
    const label = [step.name, ...notes.map((n) => `<i>${n}</i>`)].join("<br/>");
    const [open, close] = SHAPES[type];
    lines.push(`  ${nodeId(step.name)}${open}"${label}"${close}`);
  }
  for (const step of template.steps) {
    for (const dep of step.dependencies) {
      const from = typeOf.get(dep);
      const possible =
        from === "decision" || from === "batchable" || typeOf.get(step.name) === "deferred_convergence";
      lines.push(`  ${nodeId(dep)} ${possible ? "-.->" : "-->"} ${nodeId(step.name)}`);
    }
  }
  if (stepStates) {
    const byClass = new Map<string, string[]>();
    for (const step of template.steps) {
      const presence = shape?.presence.get(step.name) ?? "created";
      const state = stateOf(step.name);
      const cls = presence !== "created" ? presence : state && state in STATE_STYLES ? state : undefined;
      if (cls) byClass.set(cls, [...(byClass.get(cls) ?? []), nodeId(step.name)]);
    }
    for (const [cls, ids] of byClass) {
      const style = STATE_STYLES[cls as StepState] ?? ABSENT_STYLES[cls as keyof typeof ABSENT_STYLES];
      lines.push(`  classDef ${cls} ${style}`);
      lines.push(`  class ${ids.join(",")} ${cls}`);
    }
  }
  if (runTime) lines.push(...legend(new Set(typeOf.values()), shape !== undefined));
  return `${lines.join("\n")}\n`;
}

/** A batch worker's second line: "N instances", with their states when a task has some. */
function instanceNote(
  instances: readonly string[] | undefined,
  stepStates: Partial<Record<string, StepState>> | undefined,
): string {
  if (!instances || instances.length === 0) return "N instances";
  const counts = countStates(instances.map((i) => stepStates?.[i] ?? "pending"));
  const parts = counts.map(([state, n]) => `${n} ${state}`);
  return `${instances.length} instances: ${parts.join(", ")}`;
}

/**
 * A legend subgraph with one sample of each run-time shape the template uses and the dotted
 * edge. Its node ids are capitalised, which no step name can be.
 */
function legend(types: ReadonlySet<StepType>, withTask: boolean): string[] {
  const entries: [StepType, string, string][] = [
    ["decision", "LegendDecision", "decision: creates the branches it chooses"],
    ["deferred_convergence", "LegendConvergence", "deferred convergence: waits for the branches created"],
    ["batchable", "LegendBatchable", "batchable: plans the batches"],
    ["batch_worker", "LegendWorker", "batch worker: one instance per batch"],
  ];
  const lines = ['  subgraph Legend["Legend"]', "    direction LR"];
  for (const [type, id, text] of entries) {
    if (!types.has(type)) continue;
    const [open, close] = SHAPES[type];
    lines.push(`    ${id}${open}"${text}"${close}`);
  }
  lines.push('    LegendFrom["step"] -. "possible branch" .-> LegendTo["step created at run time"]');
  if (withTask) {
    lines.push('    LegendNotTaken["not taken"]', '    LegendNotYet["not created yet"]');
    lines.push(
      `    classDef legend_not_taken ${ABSENT_STYLES.not_taken}`,
      "    class LegendNotTaken legend_not_taken",
    );
    lines.push(
      `    classDef legend_not_yet ${ABSENT_STYLES.not_yet_created}`,
      "    class LegendNotYet legend_not_yet",
    );
  }
  lines.push("  end");
  return lines;
}

/** Step names are already safe identifiers, except `end`, which Mermaid reserves. */
function nodeId(stepName: string): string {
  return stepName === "end" ? "End" : stepName;
}
