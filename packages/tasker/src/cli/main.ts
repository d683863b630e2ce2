import { readFileSync } from "node:fs";
import { Command, CommanderError } from "commander";
import type { TaskerError } from "../model/errors.js";
import { errorMessage } from "../observability/logger.js";
import { TemplateValidationError } from "../template/errors.js";
import { configCommand } from "./config.js";
import { CliContext } from "./context.js";
import { CliError, EXIT, exitCodeForErrorCode } from "./exit-codes.js";
import { initCommand } from "./init.js";
import { migrateCommand } from "./migrate.js";
import { type CliIo, processIo } from "./output.js";
import { serveCommand } from "./serve.js";
import { stepCommand } from "./step.js";
import { taskCommand } from "./task.js";
import { templateCommand } from "./template.js";
import { workerCommand } from "./worker.js";

/** The package version (src/cli and dist/cli are both two levels below package.json). */
function packageVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as {
      version: string;
    };
    return pkg.version;
  } catch {
    return "unknown";
  }
}

/** The whole command tree; every command and subcommand shares the context's streams. */
export function buildProgram(ctx: CliContext): Command {
  const program = new Command("tasker-ctl")
    .description("Operate tasker-ts: run the API and workers, migrate, manage tasks, templates and config.")
    .version(packageVersion(), "-V, --version", "print the tasker-ctl version")
    // Program options only before the subcommand, so `task create --version 1.0.0` is the task's.
    .enablePositionalOptions()
    .addCommand(serveCommand(ctx))
    .addCommand(workerCommand(ctx))
    .addCommand(migrateCommand(ctx))
    .addCommand(taskCommand(ctx))
    .addCommand(stepCommand(ctx))
    .addCommand(templateCommand(ctx))
    .addCommand(configCommand(ctx))
    .addCommand(initCommand(ctx))
    .addHelpText(
      "after",
      `
Exit codes: 0 ok, 1 operation failed, 2 usage or validation error, 3 not found, 4 conflict,
5 server or database unreachable. Add --json to a command for machine-readable output.`,
    );
  configureTree(program, ctx.io);
  return program;
}

/** Commander settings must be applied to each command; `addCommand` does not inherit them. */
function configureTree(command: Command, io: CliIo): void {
  command
    .exitOverride()
    .showSuggestionAfterError(true)
    .showHelpAfterError("(run with --help for usage)")
    .configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(text),
    });
  for (const sub of command.commands) configureTree(sub, io);
}

/** By name: the error class lives with zod-backed models that `--help` need not load. */
function isTaskerError(err: unknown): err is TaskerError {
  return err instanceof Error && err.name === "TaskerError" && typeof (err as TaskerError).code === "string";
}

/** Prints a failure the way the invocation asked (JSON envelope or text) and returns its exit code. */
function report(err: unknown, ctx: CliContext, json: boolean): number {
  const out = ctx.output({ json });
  let code: number;
  let errorCode: string;
  let details: unknown;
  if (err instanceof CliError) {
    code = err.exitCode;
    errorCode = "CLI_ERROR";
    details = err.details;
  } else if (isTaskerError(err)) {
    code = exitCodeForErrorCode(err.code);
    errorCode = err.code;
    details = err.details;
  } else if (err instanceof TemplateValidationError || (err as Error)?.name === "ConfigError") {
    code = EXIT.usage;
    errorCode = "VALIDATION_ERROR";
    details = (err as { issues?: unknown }).issues;
  } else {
    code = EXIT.failed;
    errorCode = "INTERNAL_ERROR";
  }
  const message = errorMessage(err);
  if (json) {
    ctx.io.stderr.write(`${JSON.stringify({ error: { code: errorCode, message, details } }, null, 2)}\n`);
  } else {
    out.error(message);
    const showDetails = isTaskerError(err) && details !== undefined && code === EXIT.usage;
    if (showDetails) ctx.io.stderr.write(`${JSON.stringify(details, null, 2)}\n`);
    if (code === EXIT.failed && !(err instanceof CliError) && ctx.env.TASKER_DEBUG && err instanceof Error) {
      ctx.io.stderr.write(`${err.stack}\n`);
    }
  }
  return code;
}

/** Runs one invocation (`argv` as in process.argv) and resolves with its exit code. */
export async function runCli(argv: readonly string[], io: CliIo = processIo()): Promise<number> {
  const ctx = new CliContext(io);
  const json = argv.includes("--json");
  try {
    await buildProgram(ctx).parseAsync([...argv]);
    return ctx.exitCode;
  } catch (err) {
    // Commander has already printed its message (or the help / version).
    if (err instanceof CommanderError) return err.exitCode === 0 ? EXIT.ok : EXIT.usage;
    return report(err, ctx, json);
  }
}
