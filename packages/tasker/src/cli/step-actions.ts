import { Command, Option } from "commander";
import type { StepAction } from "../model/step-action.js";
import type { StepResponse } from "../model/task-response.js";
import type { CliContext } from "./context.js";
import { colourState } from "./format-task.js";
import { jsonFromInlineOrFile } from "./json-input.js";
import { type ApiOptions, createApiClient, withApiOptions, withJsonOption } from "./options.js";
import { resolveStepUuid, taskUuidArg } from "./step-ref.js";
import type { Style } from "./style.js";

export type StepActionKind = "retry" | "resolve" | "complete";

interface StepActionOptions extends ApiOptions {
  reason: string;
  by?: string;
  json?: boolean;
  result?: string;
  resultFile?: string;
}

const DESCRIPTIONS: Record<StepActionKind, string> = {
  retry: "reset a failed step for retry (reset_for_retry); the task resumes",
  resolve: "mark a failed step resolved by an operator (resolve_manually); its dependents may run",
  complete: "complete a failed step by hand with a result (complete_manually); its dependents may run",
};

/** `<task> <step>` + options for one operator action; used by `step <kind>` and the `task` aliases. */
export function stepActionCommand(ctx: CliContext, kind: StepActionKind, name: string): Command {
  const command = withJsonOption(withApiOptions(new Command(name)))
    .description(DESCRIPTIONS[kind])
    .argument("<task-uuid>", "the task")
    .argument("<step>", "the step's uuid or its name within the task")
    .option("--reason <text>", "why (recorded in the step's audit trail)", "requested with tasker-ctl")
    .addOption(new Option("--by <name>", "who is acting (recorded with the action)").env("USER"));
  if (kind === "complete") {
    command
      .option("--result <json>", "the step's result as JSON")
      .option("--result-file <file>", "read the result JSON from a file (- for stdin)");
  }
  return command.action(async (task: string, step: string, options: StepActionOptions) => {
    const out = ctx.output(options);
    const taskUuid = taskUuidArg(task);
    const client = await createApiClient(options);
    const stepUuid = await resolveStepUuid(client, taskUuid, step);
    const updated = await client.updateStep(taskUuid, stepUuid, buildStepAction(kind, options));
    out.result(updated, () => out.line(describeStepUpdate(updated, out.style)));
  });
}

/** The PATCH body for an action. `complete` without a result completes with `null`. */
export function buildStepAction(kind: StepActionKind, options: Omit<StepActionOptions, "url">): StepAction {
  const by = options.by?.slice(0, 255) || undefined;
  switch (kind) {
    case "retry":
      return { action_type: "reset_for_retry", reason: options.reason, ...(by ? { reset_by: by } : {}) };
    case "resolve":
      return { action_type: "resolve_manually", reason: options.reason, ...(by ? { resolved_by: by } : {}) };
    case "complete": {
      const result = jsonFromInlineOrFile(options.result, options.resultFile, {
        inline: "--result",
        file: "--result-file",
      });
      return {
        action_type: "complete_manually",
        reason: options.reason,
        completion_data: { result: result ?? null },
        ...(by ? { completed_by: by } : {}),
      };
    }
  }
}

function describeStepUpdate(step: StepResponse, style: Style): string {
  return `step ${style.bold(step.name)} (${step.workflow_step_uuid}) of task ${step.task_uuid} is now ${colourState(step.current_state, style)(step.current_state)}`;
}
