import type { StepState } from "../state/step-states.js";
import type { DagStep } from "./dag.js";

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

/**
 * A Mermaid `flowchart TD` of a template's steps, edges pointing from a dependency to the step
 * that waits for it. With `stepStates`, each node shows its state and gets that state's class.
 */
export function templateToMermaid(
  template: { namespace_name?: string; name?: string; version?: string; steps: readonly DagStep[] },
  options: MermaidOptions = {},
): string {
  const { stepStates } = options;
  const lines = ["flowchart TD"];
  if (template.name) {
    lines.push(
      `  %% ${[template.namespace_name, template.name, template.version].filter(Boolean).join("/")}`,
    );
  }
  for (const step of template.steps) {
    const state = stepStates?.[step.name];
    const label = state ? `${step.name}<br/><i>${state}</i>` : step.name;
    lines.push(`  ${nodeId(step.name)}["${label}"]`);
  }
  for (const step of template.steps) {
    for (const dep of step.dependencies) lines.push(`  ${nodeId(dep)} --> ${nodeId(step.name)}`);
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
  }
  return `${lines.join("\n")}\n`;
}

/** Step names are already safe identifiers, except `end`, which Mermaid reserves. */
function nodeId(stepName: string): string {
  return stepName === "end" ? "End" : stepName;
}
