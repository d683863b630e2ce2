import type { StepState } from "../state/step-states.js";
import type { DagStep } from "./dag.js";
import type { StepType } from "./schema.js";

/** Options of {@link templateToMermaid}. */
export interface MermaidOptions {
  /** Current state per step name (e.g. of a running task): nodes are coloured and labelled. */
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

/** A step a task's run did not create (a branch not taken, or not yet decided). */
const NOT_CREATED_STYLE = "fill:#fafafa,stroke:#bdbdbd,stroke-dasharray:4 3,color:#9e9e9e";

/** Node shapes of the run-time step types: a decision is a rhombus, the others have their own. */
const SHAPES: Record<StepType, [string, string]> = {
  standard: ["[", "]"],
  decision: ["{", "}"],
  deferred_convergence: ["([", "])"],
  batchable: ["[[", "]]"],
  batch_worker: ["[/", "/]"],
};

/**
 * A Mermaid `flowchart TD` of a template's steps, edges pointing from a dependency to the step
 * that waits for it. Possible branches - the edges out of a decision or a batchable step, and into
 * a deferred convergence step - are dotted; decisions are rhombi. With `stepStates`, each node
 * shows its state and gets that state's class, and a step of a template with run-time step types
 * that has no state is drawn as not created.
 */
export function templateToMermaid(
  template: {
    namespace_name?: string;
    name?: string;
    version?: string;
    steps: readonly (DagStep & { type?: StepType })[];
  },
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
  const runTimeShapes = [...typeOf.values()].some((t) => t !== "standard");
  const notCreated = (name: string) => stepStates !== undefined && runTimeShapes && !stepStates[name];
  for (const step of template.steps) {
    const state = stepStates?.[step.name];
    const label = state
      ? `${step.name}<br/><i>${state}</i>`
      : notCreated(step.name)
        ? `${step.name}<br/><i>not created</i>`
        : step.name;
    const [open, close] = SHAPES[typeOf.get(step.name) as StepType];
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
    const byState = new Map<StepState, string[]>();
    for (const step of template.steps) {
      const state = stepStates[step.name];
      if (state && state in STATE_STYLES)
        byState.set(state, [...(byState.get(state) ?? []), nodeId(step.name)]);
    }
    for (const [state, ids] of byState) {
      lines.push(`  classDef ${state} ${STATE_STYLES[state]}`);
      lines.push(`  class ${ids.join(",")} ${state}`);
    }
    const absent = template.steps.filter((s) => notCreated(s.name)).map((s) => nodeId(s.name));
    if (absent.length > 0) {
      lines.push(`  classDef not_created ${NOT_CREATED_STYLE}`);
      lines.push(`  class ${absent.join(",")} not_created`);
    }
  }
  return `${lines.join("\n")}\n`;
}

/** Step names are already safe identifiers, except `end`, which Mermaid reserves. */
function nodeId(stepName: string): string {
  return stepName === "end" ? "End" : stepName;
}
