import { Command } from "commander";
import type { TaskerHttpClient } from "../client/http-client.js";
import type { StepResponse, StepTransition } from "../model/task-response.js";
import type { CliContext } from "./context.js";
import { colourState } from "./format-task.js";
import { type ApiOptions, createApiClient, withApiOptions, withJsonOption } from "./options.js";
import { stepActionCommand } from "./step-actions.js";
import { resolveStepUuid, taskUuidArg } from "./step-ref.js";
import type { Style } from "./style.js";
import { formatTable } from "./table.js";

interface JsonApiOptions extends ApiOptions {
  json?: boolean;
}

/** A step's facts, its error and its result (pretty JSON). */
export function formatStepDetail(step: StepResponse, style: Style): string {
  const facts: [string, string][] = [
    ["step", `${step.name} (${step.workflow_step_uuid})`],
    ["task", step.task_uuid],
    ["state", colourState(step.current_state, style)(step.current_state)],
    ["attempts", `${step.attempts}/${step.max_attempts}`],
    ["last attempt", step.last_attempted_at ?? "-"],
    ["next retry", step.next_retry_at ?? "-"],
  ];
  if (step.error) {
    const code = step.error.code ? ` [${step.error.code}]` : "";
    facts.push(["error", style.red(`${step.error.kind}${code}: ${step.error.message}`)]);
  }
  const width = Math.max(...facts.map(([k]) => k.length));
  const lines = facts.map(([k, v]) => `${style.bold(`${k}:`.padEnd(width + 1))} ${v}`);
  if (step.results !== undefined && step.results !== null) {
    lines.push(`${style.bold("result:")}\n${JSON.stringify(step.results, null, 2)}`);
  }
  return lines.join("\n");
}

export function formatAudit(transitions: readonly StepTransition[], style: Style): string {
  return formatTable(
    [
      { header: "AT", value: (t) => t.created_at },
      { header: "FROM", value: (t) => t.from_state ?? "-" },
      { header: "TO", value: (t) => t.to_state, style: (text, t) => colourState(t.to_state, style)(text) },
      { header: "EVENT", value: (t) => t.event },
      {
        header: "DETAILS",
        value: (t) => (Object.keys(t.metadata).length > 0 ? JSON.stringify(t.metadata) : ""),
      },
    ],
    transitions,
    style.bold,
  );
}

/** `step get` and `step audit`: reads one step, named by uuid or by name, and prints it. */
function readCommand<T>(
  ctx: CliContext,
  name: string,
  description: string,
  read: (client: TaskerHttpClient, taskUuid: string, stepUuid: string) => Promise<T>,
  format: (value: T, style: Style) => string,
): Command {
  return withJsonOption(withApiOptions(new Command(name)))
    .description(description)
    .argument("<task-uuid>", "the task")
    .argument("<step>", "the step's uuid or its name within the task")
    .action(async (task: string, stepRef: string, options: JsonApiOptions) => {
      const out = ctx.output(options);
      const taskUuid = taskUuidArg(task);
      const client = await createApiClient(options);
      const value = await read(client, taskUuid, await resolveStepUuid(client, taskUuid, stepRef));
      out.result(value, () => out.line(format(value, out.style)));
    });
}

/** `tasker-ctl step get|audit|retry|resolve|complete`: one workflow step of a task. */
export function stepCommand(ctx: CliContext): Command {
  return new Command("step")
    .description("inspect a task's workflow step and apply operator actions (over the orchestration API)")
    .addCommand(
      readCommand(
        ctx,
        "get",
        "show one step: state, attempts, error and result",
        (client, task, step) => client.getStep(task, step),
        formatStepDetail,
      ),
    )
    .addCommand(
      readCommand(
        ctx,
        "audit",
        "show every state transition of a step (who, when, why)",
        (client, task, step) => client.getStepAudit(task, step),
        formatAudit,
      ),
    )
    .addCommand(stepActionCommand(ctx, "retry", "retry"))
    .addCommand(stepActionCommand(ctx, "resolve", "resolve"))
    .addCommand(stepActionCommand(ctx, "complete", "complete"));
}
