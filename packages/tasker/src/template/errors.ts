/** One problem (or warning) in a template file, located as precisely as we can. */
export interface TemplateIssue {
  file: string;
  /** The step the problem is in, when it is in one. */
  step?: string;
  /** Dotted key within the template or step, e.g. `retry.max_attempts`; "" for the whole file. */
  key: string;
  message: string;
}

/** `orders.yaml: step "process_payment": dependencies: unknown step "x"` */
export function formatTemplateIssue(issue: TemplateIssue): string {
  const parts = [issue.file];
  if (issue.step !== undefined) parts.push(`step "${issue.step}"`);
  if (issue.key !== "") parts.push(issue.key);
  return `${parts.join(": ")}: ${issue.message}`;
}

/** A template file that cannot be used; `issues` lists every problem found, not just the first. */
export class TemplateValidationError extends Error {
  readonly file: string;
  readonly issues: TemplateIssue[];
  constructor(file: string, issues: TemplateIssue[]) {
    super(issues.map(formatTemplateIssue).join("\n"));
    this.name = "TemplateValidationError";
    this.file = file;
    this.issues = issues;
  }
}
