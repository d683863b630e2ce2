import { formatTemplateIssue } from "../template/errors.js";
import { loadTemplates } from "../template/load.js";
import type { TaskTemplate } from "../template/schema.js";
import { usageError } from "./exit-codes.js";
import type { Output } from "./output.js";

/**
 * Templates a serve/worker process registers. Any invalid file stops startup (exit 2) with
 * every problem listed, rather than running with a template silently missing.
 */
export async function loadTemplatesForEngine(
  paths: readonly string[],
  out: Output,
  lenient = false,
): Promise<TaskTemplate[]> {
  if (paths.length === 0) return [];
  const loaded = await loadTemplates(paths, { lenient });
  for (const warning of loaded.warnings) out.warn(formatTemplateIssue(warning));
  const issues = loaded.errors.flatMap((e) => e.issues);
  if (issues.length > 0) {
    throw usageError(
      `invalid task templates (fix them, or check with \`tasker-ctl template validate\`):\n  ${issues.map(formatTemplateIssue).join("\n  ")}`,
    );
  }
  return loaded.templates.map((t) => t.template);
}
