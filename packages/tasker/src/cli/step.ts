import { Command } from "commander";
import type { CliContext } from "./context.js";
import { stepActionCommand } from "./step-actions.js";

/** `tasker-ctl step retry|resolve|complete`: operator actions on one workflow step. */
export function stepCommand(ctx: CliContext): Command {
  return new Command("step")
    .description("operator actions on a task's workflow step (over the orchestration API)")
    .addCommand(stepActionCommand(ctx, "retry", "retry"))
    .addCommand(stepActionCommand(ctx, "resolve", "resolve"))
    .addCommand(stepActionCommand(ctx, "complete", "complete"));
}
