import { Document, isSeq } from "yaml";
import { NAMESPACE_PATTERN, TEMPLATE_NAME_PATTERN } from "../../model/task-request.js";
import { DEFAULT_RETRY_POLICY, DEFAULT_TIMEOUT_SECONDS } from "../../template/schema.js";

export interface TaskTemplateScaffold {
  name: string;
  namespace: string;
  version: string;
  description: string;
  /** Step names, run one after another. */
  steps: string[];
}

/** Problems with the requested template, each naming its option; empty when it can be generated. */
export function taskTemplateScaffoldIssues(scaffold: TaskTemplateScaffold): string[] {
  const issues: string[] = [];
  if (!TEMPLATE_NAME_PATTERN.test(scaffold.name)) {
    issues.push(
      `--name "${scaffold.name}" must be lowercase snake_case (^[a-z][a-z0-9_]*$), e.g. order_processing`,
    );
  }
  if (!NAMESPACE_PATTERN.test(scaffold.namespace)) {
    issues.push(`--namespace "${scaffold.namespace}" must be 1-29 characters of letters, digits and _`);
  }
  if (scaffold.steps.length === 0) issues.push("--steps must name at least one step");
  for (const step of scaffold.steps) {
    if (!TEMPLATE_NAME_PATTERN.test(step)) {
      issues.push(
        `--steps: "${step}" must be lowercase snake_case (^[a-z][a-z0-9_]*$), e.g. process_payment`,
      );
    }
  }
  const duplicates = scaffold.steps.filter((s, i) => scaffold.steps.indexOf(s) !== i);
  if (duplicates.length > 0)
    issues.push(`--steps: step names must be unique; repeated: ${[...new Set(duplicates)].join(", ")}`);
  return issues;
}

/** A valid task template YAML: the steps as a linear chain, each with its handler callable. */
export function taskTemplateSource(scaffold: TaskTemplateScaffold): string {
  const document = {
    name: scaffold.name,
    namespace_name: scaffold.namespace,
    version: scaffold.version,
    description: scaffold.description,
    metadata: { generated_by: "tasker-ctl template generate task_template" },
    input_schema: { type: "object", properties: {}, additionalProperties: true },
    steps: scaffold.steps.map((step, i) => ({
      name: step,
      handler: { callable: `${scaffold.namespace}.${step}` },
      ...(i > 0 ? { dependencies: [scaffold.steps[i - 1]] } : {}),
      retry: { ...DEFAULT_RETRY_POLICY },
      timeout_seconds: DEFAULT_TIMEOUT_SECONDS,
    })),
  };
  const header = [
    `# Task template ${scaffold.namespace}/${scaffold.name}: ${scaffold.steps.join(" -> ")}.`,
    `# Each step runs the handler registered under its handler.callable; add dependencies to branch.`,
    `# Check it with: tasker-ctl template validate <this file>`,
  ];
  const yaml = new Document(document);
  // `dependencies: [a]` reads better than a one-item block list.
  scaffold.steps.forEach((_, i) => {
    const deps = yaml.getIn(["steps", i, "dependencies"], true);
    if (isSeq(deps)) deps.flow = true;
  });
  return `${header.join("\n")}\n${yaml.toString({ lineWidth: 0, flowCollectionPadding: false })}`;
}
