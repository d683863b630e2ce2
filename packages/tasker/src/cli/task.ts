import { Command, InvalidArgumentError, Option } from "commander";
import type { TaskRequest } from "../model/task-request.js";
import { TASK_STATES } from "../state/task-states.js";
import type { CliContext } from "./context.js";
import { EXIT, usageError } from "./exit-codes.js";
import { describeProgress, formatStepTable, formatTaskDetail, formatTaskTable } from "./format-task.js";
import { jsonFromInlineOrFile } from "./json-input.js";
import {
  type ApiOptions,
  commaList,
  createApiClient,
  positiveInt,
  seconds,
  withApiOptions,
  withJsonOption,
} from "./options.js";
import { createProgress } from "./progress.js";
import { stepActionCommand } from "./step-actions.js";
import { taskUuidArg } from "./step-ref.js";
import { taskSucceeded, waitForTerminal } from "./wait-for-task.js";

interface JsonApiOptions extends ApiOptions {
  json?: boolean;
}

interface CreateOptions extends JsonApiOptions {
  namespace: string;
  name: string;
  version?: string;
  context?: string;
  contextFile?: string;
  idempotencyKey?: string;
  initiator?: string;
  sourceSystem?: string;
  reason?: string;
  tags?: string[];
  priority?: number;
  correlationId?: string;
  wait?: boolean;
  timeout: number;
  quiet?: boolean;
}

function integer(value: string): number {
  if (!/^-?\d+$/.test(value.trim()))
    throw new InvalidArgumentError(`expected a whole number, got "${value}"`);
  return Number(value);
}

/** The TaskRequest a `task create` invocation describes. */
export function buildTaskRequest(options: CreateOptions): TaskRequest {
  const context = jsonFromInlineOrFile(options.context, options.contextFile, {
    inline: "--context",
    file: "--context-file",
  });
  if (context !== undefined && (typeof context !== "object" || context === null || Array.isArray(context))) {
    throw usageError(`the task context must be a JSON object like '{"order_id": 1}'`);
  }
  const optional = {
    version: options.version,
    initiator: options.initiator ?? "tasker-ctl",
    source_system: options.sourceSystem,
    reason: options.reason,
    tags: options.tags,
    priority: options.priority,
    correlation_id: options.correlationId,
    idempotency_key: options.idempotencyKey,
  };
  return {
    namespace: options.namespace,
    name: options.name,
    context: (context ?? {}) as Record<string, unknown>,
    ...Object.fromEntries(Object.entries(optional).filter(([, v]) => v !== undefined)),
  };
}

function createCommand(ctx: CliContext): Command {
  return withJsonOption(withApiOptions(new Command("create")))
    .description("create a task from a registered template (optionally wait for it to finish)")
    .requiredOption("--namespace <namespace>", "the template's namespace_name")
    .requiredOption("--name <name>", "the template's name")
    .option("--version <version>", "template version (default: the newest registered)")
    .option("--context <json>", "the task context as a JSON object")
    .option("--context-file <file>", "read the context JSON from a file (- for stdin)")
    .option("--idempotency-key <key>", "the same key returns the existing task instead of a new one")
    .option("--initiator <who>", "who asked for the task", "tasker-ctl")
    .option("--source-system <name>", "the system the request came from")
    .option("--reason <text>", "why the task was created")
    .option("--tags <tags>", "comma-separated tags", commaList)
    .option("--priority <n>", "priority, -1000..1000 (higher first)", integer)
    .option("--correlation-id <id>", "correlation id for tracing (default: generated)")
    .option("--wait", "wait until the task finishes; exit 0 if complete, 1 if not")
    .option("--timeout <seconds>", "with --wait: give up waiting after this long", seconds, 60)
    .option("-q, --quiet", "print only the task uuid (and no progress)")
    .addHelpText(
      "after",
      `
Examples (against the example app, \`npm start\`: its seeded order 1):
  $ tasker-ctl task create --namespace ecommerce --name order_processing --wait \\
      --context '{"order_id":1,"customer_email":"ada@example.com","items":[{"sku":"WIDGET-001","quantity":2}],"payment_info":{"method":"card","token":"tok_visa"}}'
  $ echo '{"order_id":2,"customer_email":"ada@example.com","items":[{"sku":"GADGET-002","quantity":1}],"payment_info":{"method":"card","token":"tok_visa"}}' > order.json
  $ uuid=$(tasker-ctl task create --namespace ecommerce --name order_processing --context-file order.json -q)`,
    )
    .action(async (options: CreateOptions) => {
      const out = ctx.output(options);
      const client = await createApiClient(options);
      const { task, created } = await client.createTask(buildTaskRequest(options));
      if (!options.wait) {
        if (options.quiet && !options.json) return out.line(task.task_uuid);
        return out.result(task, () => {
          const verb = created ? "created" : "found existing (same idempotency key)";
          out.line(
            `${verb} task ${out.style.bold(task.task_uuid)} ${task.namespace}/${task.name}@${task.version}: ${task.status}`,
          );
        });
      }
      if (!options.quiet)
        out.note(`waiting for task ${task.task_uuid} (${task.namespace}/${task.name}@${task.version})`);
      const progress = createProgress(ctx.io.stderr, {
        live: ctx.io.stderr.isTTY === true,
        quiet: options.quiet === true || options.json === true,
      });
      let outcome: Awaited<ReturnType<typeof waitForTerminal>>;
      try {
        outcome = await waitForTerminal(client, task.task_uuid, {
          timeoutMs: options.timeout * 1000,
          onPoll: (t) => progress.update(describeProgress(t, out.errStyle)),
        });
      } finally {
        progress.stop();
      }
      const final = outcome.task;
      if (options.quiet && !options.json) out.line(final.task_uuid);
      else out.result(final, () => out.line(formatTaskDetail(final, out.style)));
      if (!outcome.finished) {
        out.error(
          `task ${final.task_uuid} is still ${final.status} after ${options.timeout} s; it keeps running. Check it with \`tasker-ctl task get ${final.task_uuid}\``,
        );
        ctx.exitCode = EXIT.failed;
      } else if (!taskSucceeded(final)) {
        out.error(
          `task ${final.task_uuid} finished as ${final.status}${final.error ? `: ${final.error}` : ""}`,
        );
        ctx.exitCode = EXIT.failed;
      }
    });
}

function getCommand(ctx: CliContext): Command {
  return withJsonOption(withApiOptions(new Command("get")))
    .description("show a task: status, progress and its steps")
    .argument("<task-uuid>", "the task")
    .action(async (uuid: string, options: JsonApiOptions) => {
      const out = ctx.output(options);
      const client = await createApiClient(options);
      const task = await client.getTask(taskUuidArg(uuid));
      out.result(task, () => out.line(formatTaskDetail(task, out.style)));
    });
}

interface ListOptions extends JsonApiOptions {
  namespace?: string;
  name?: string;
  status?: (typeof TASK_STATES)[number];
  limit: number;
  offset: number;
}

function listCommand(ctx: CliContext): Command {
  return withJsonOption(withApiOptions(new Command("list")))
    .description("list tasks, newest first")
    .option("--namespace <namespace>", "only this namespace")
    .option("--name <name>", "only this template name")
    .addOption(new Option("--status <status>", "only tasks in this state").choices(TASK_STATES))
    .option("--limit <n>", "at most this many (1-500)", positiveInt, 50)
    .option("--offset <n>", "skip this many", (v) => (v === "0" ? 0 : positiveInt(v)), 0)
    .action(async (options: ListOptions) => {
      const out = ctx.output(options);
      const client = await createApiClient(options);
      const page = await client.listTasks({
        limit: options.limit,
        offset: options.offset,
        ...(options.namespace ? { namespace: options.namespace } : {}),
        ...(options.name ? { name: options.name } : {}),
        ...(options.status ? { status: options.status } : {}),
      });
      out.result(page, () => {
        const { total, offset, has_more } = page.pagination;
        if (page.tasks.length === 0)
          return out.line(total === 0 ? "no tasks" : `no tasks at offset ${offset} (${total} in total)`);
        out.line(formatTaskTable(page.tasks, out.style));
        const more = has_more ? `; next page: --offset ${offset + page.tasks.length}` : "";
        out.line(out.style.dim(`${offset + 1}-${offset + page.tasks.length} of ${total}${more}`));
      });
    });
}

function stepsCommand(ctx: CliContext): Command {
  return withJsonOption(withApiOptions(new Command("steps")))
    .description("list a task's workflow steps with their states")
    .argument("<task-uuid>", "the task")
    .action(async (uuid: string, options: JsonApiOptions) => {
      const out = ctx.output(options);
      const client = await createApiClient(options);
      const steps = await client.listTaskSteps(taskUuidArg(uuid));
      out.result(steps, () => out.line(formatStepTable(steps, out.style)));
    });
}

function cancelCommand(ctx: CliContext): Command {
  return withJsonOption(withApiOptions(new Command("cancel")))
    .description("cancel a task: no new steps start, running ones finish")
    .argument("<task-uuid>", "the task")
    .option("--reason <text>", "why (recorded on the task)")
    .action(async (uuid: string, options: JsonApiOptions & { reason?: string }) => {
      const out = ctx.output(options);
      const client = await createApiClient(options);
      const task = await client.cancelTask(taskUuidArg(uuid), options.reason);
      out.result(task, () => out.line(`task ${out.style.bold(task.task_uuid)} is ${task.status}`));
    });
}

/** `tasker-ctl task ...`: create, inspect and steer tasks through the orchestration API. */
export function taskCommand(ctx: CliContext): Command {
  return new Command("task")
    .description("create, inspect and cancel tasks (over the orchestration API)")
    .addCommand(createCommand(ctx))
    .addCommand(getCommand(ctx))
    .addCommand(listCommand(ctx))
    .addCommand(stepsCommand(ctx))
    .addCommand(cancelCommand(ctx))
    .addCommand(stepActionCommand(ctx, "retry", "retry-step"))
    .addCommand(stepActionCommand(ctx, "resolve", "resolve-step"));
}
