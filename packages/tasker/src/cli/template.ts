import { delimiter, join, resolve } from "node:path";
import { Command, Option } from "commander";
import type { StepState } from "../state/step-states.js";
import { formatTemplateIssue, type TemplateIssue } from "../template/errors.js";
import type { LoadedTemplate } from "../template/load.js";
import { templateToMermaid } from "../template/mermaid.js";
import type { StepType } from "../template/schema.js";
import type { CliContext } from "./context.js";
import { EXIT, usageError } from "./exit-codes.js";
import {
  type ApiOptions,
  commaList,
  createApiClient,
  isLenient,
  withJsonOption,
  withLenientOption,
} from "./options.js";
import { nameForms } from "./scaffold/names.js";
import { callableOf, stepHandlerSource, stepHandlerTestSource } from "./scaffold/step-handler-source.js";
import { writeGeneratedFiles } from "./scaffold/write-files.js";
import { taskUuidArg } from "./step-ref.js";
import { formatTable } from "./table.js";

// Template loading pulls in yaml and ajv; it is imported when a command runs, so --help stays fast.
const loadModule = () => import("../template/load.js");

const DEFAULT_SCAFFOLD_STEPS = ["prepare", "process", "finish"];

interface JsonOption {
  json?: boolean;
}

/** Template paths from the arguments, else TASKER_TEMPLATE_PATH (several joined by `:`). */
export function templatePathsFrom(args: readonly string[], env: NodeJS.ProcessEnv): string[] {
  if (args.length > 0) return [...args];
  return (env.TASKER_TEMPLATE_PATH ?? "").split(delimiter).filter(Boolean);
}

function requirePaths(args: readonly string[], ctx: CliContext, alternative = ""): string[] {
  const paths = templatePathsFrom(args, ctx.env);
  if (paths.length === 0) {
    throw usageError(`name template files or directories, or set TASKER_TEMPLATE_PATH${alternative}`);
  }
  return paths;
}

const templateLabel = (t: LoadedTemplate) =>
  `${t.template.namespace_name}/${t.template.name}@${t.template.version} (${plural(t.template.steps.length, "step")})`;

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;

function validateCommand(ctx: CliContext): Command {
  return withLenientOption(withJsonOption(new Command("validate")))
    .description("check template files: schema, names, dependencies, cycles; exit 2 on any error")
    .argument("[paths...]", "template files or directories (default: TASKER_TEMPLATE_PATH)")
    .option("--environment <name>", "apply this environment's overrides (default: TASKER_ENV)")
    .action(async (args: string[], options: JsonOption & { environment?: string; lenient?: boolean }) => {
      const out = ctx.output(options);
      const paths = requirePaths(args, ctx);
      const { loadTemplates } = await loadModule();
      const loaded = await loadTemplates(paths, {
        lenient: isLenient(options, ctx.env),
        ...(options.environment === undefined ? {} : { environment: options.environment }),
      });
      const errors: TemplateIssue[] = loaded.errors.flatMap((e) => e.issues);
      const fileCount = loaded.templates.length + loaded.errors.length;
      out.result(
        {
          valid: errors.length === 0 && fileCount > 0,
          templates: loaded.templates.map((t) => ({
            file: t.file,
            namespace_name: t.template.namespace_name,
            name: t.template.name,
            version: t.template.version,
            steps: t.template.steps.map((s) => s.name),
          })),
          errors,
          warnings: loaded.warnings,
        },
        () => {
          const { green, red, yellow, dim } = out.style;
          for (const t of loaded.templates) out.line(`${green("ok")}      ${t.file}: ${templateLabel(t)}`);
          for (const issue of errors) out.line(`${red("error")}   ${formatTemplateIssue(issue)}`);
          for (const issue of loaded.warnings) out.line(`${yellow("warning")} ${formatTemplateIssue(issue)}`);
          out.line(
            dim(
              `${plural(loaded.templates.length, "valid template")}, ${plural(loaded.errors.length, "invalid file")}; ${plural(errors.length, "error")}, ${plural(loaded.warnings.length, "warning")}`,
            ),
          );
        },
      );
      if (fileCount === 0) {
        throw usageError(`no template files (*.yml, *.yaml) found under ${paths.join(", ")}`);
      }
      if (errors.length > 0) ctx.exitCode = EXIT.usage;
    });
}

function listCommand(ctx: CliContext): Command {
  return withJsonOption(new Command("list"))
    .description("list templates in local files, or those registered on a server (--url)")
    .argument("[paths...]", "template files or directories (default: TASKER_TEMPLATE_PATH)")
    .option("--url <url>", "list the templates registered on this orchestration API instead")
    .addOption(new Option("--api-key <key>", "API key for --url").env("TASKER_API_KEY"))
    .action(async (args: string[], options: JsonOption & Partial<ApiOptions>) => {
      const out = ctx.output(options);
      if (options.url) {
        if (args.length > 0) throw usageError("pass template paths or --url, not both");
        const { listServerTemplates } = await import("./template-api.js");
        const templates = await listServerTemplates({
          url: options.url,
          ...(options.apiKey ? { apiKey: options.apiKey } : {}),
        });
        return out.result(templates, () => {
          if (templates.length === 0) return out.line(`no templates are registered on ${options.url}`);
          out.line(
            formatTable(
              [
                { header: "NAMESPACE", value: (t) => t.namespace_name },
                { header: "NAME", value: (t) => t.name },
                { header: "VERSION", value: (t) => t.version },
                { header: "STEPS", value: (t) => String(t.step_count), align: "right" },
                { header: "DESCRIPTION", value: (t) => t.description ?? "" },
              ],
              templates,
              out.style.bold,
            ),
          );
        });
      }
      const { loadTemplates } = await loadModule();
      const loaded = await loadTemplates(requirePaths(args, ctx, ", or pass --url to list a server's"));
      for (const error of loaded.errors) {
        out.warn(
          `skipped ${error.file} (${plural(error.issues.length, "error")}; see \`tasker-ctl template validate ${error.file}\`)`,
        );
      }
      const rows = loaded.templates.map((t) => ({ file: t.file, ...t.template }));
      out.result(
        rows.map((t) => ({
          file: t.file,
          namespace_name: t.namespace_name,
          name: t.name,
          version: t.version,
          description: t.description ?? null,
          steps: t.steps.map((s) => s.name),
        })),
        () => {
          if (rows.length === 0) return out.line("no valid templates found");
          out.line(
            formatTable(
              [
                { header: "NAMESPACE", value: (t) => t.namespace_name },
                { header: "NAME", value: (t) => t.name },
                { header: "VERSION", value: (t) => t.version },
                { header: "STEPS", value: (t) => String(t.steps.length), align: "right" },
                { header: "FILE", value: (t) => t.file },
              ],
              rows,
              out.style.bold,
            ),
          );
        },
      );
    });
}

interface VisualizeOptions extends JsonOption, Partial<ApiOptions> {
  task?: string;
  markdown?: boolean;
}

function visualizeCommand(ctx: CliContext): Command {
  return withJsonOption(new Command("visualize"))
    .description(
      "print a template's step graph as Mermaid (with --task: a live task, coloured by step state)",
    )
    .argument("[file]", "template file (optional with --task: the server's copy is used)")
    .option("--task <uuid>", "colour the steps by this task's current step states")
    .addOption(
      new Option("--url <url>", "orchestration API for --task")
        .env("ORCHESTRATION_URL")
        .default("http://localhost:8080"),
    )
    .addOption(new Option("--api-key <key>", "API key for --url").env("TASKER_API_KEY"))
    .option("--markdown", "wrap the graph in a ```mermaid block (for READMEs and issues)")
    .addHelpText(
      "after",
      `
Examples (in the repository, after \`tasker-ctl task create --help\`'s examples):
  $ tasker-ctl template visualize examples/hono-app/templates/ecommerce/order_processing.yaml > graph.mmd
  $ tasker-ctl template visualize --task $uuid --url http://localhost:8080 --markdown`,
    )
    .action(async (file: string | undefined, options: VisualizeOptions) => {
      const out = ctx.output(options);
      if (!file && !options.task)
        throw usageError("name a template file, or pass --task <uuid> to draw a live task");
      let graph: {
        namespace_name: string;
        name: string;
        version: string;
        steps: { name: string; dependencies: string[]; type?: StepType }[];
      };
      if (file) graph = (await (await loadModule()).loadTemplateFile(file)).template;
      let stepStates: Record<string, StepState> | undefined;
      if (options.task) {
        const api = {
          url: options.url ?? "http://localhost:8080",
          ...(options.apiKey ? { apiKey: options.apiKey } : {}),
        };
        const client = await createApiClient(api);
        const task = await client.getTask(taskUuidArg(options.task));
        stepStates = Object.fromEntries(task.steps.map((s) => [s.name, s.current_state]));
        if (!file) {
          const { getServerTemplate } = await import("./template-api.js");
          graph = await getServerTemplate(api, {
            namespace: task.namespace,
            name: task.name,
            version: task.version,
          });
        } else if (graph!.namespace_name !== task.namespace || graph!.name !== task.name) {
          out.warn(
            `task ${task.task_uuid} runs ${task.namespace}/${task.name}@${task.version}, but ${file} defines ${graph!.namespace_name}/${graph!.name}@${graph!.version}; steps may not match`,
          );
        }
      }
      const mermaid = templateToMermaid(graph!, stepStates ? { stepStates } : {});
      out.result(
        {
          template: `${graph!.namespace_name}/${graph!.name}@${graph!.version}`,
          ...(stepStates ? { step_states: stepStates } : {}),
          mermaid,
        },
        () => out.line(options.markdown ? `\`\`\`mermaid\n${mermaid}\`\`\`` : mermaid.trimEnd()),
      );
    });
}

interface GenerateOptions extends JsonOption {
  name: string;
  namespace?: string;
  out: string;
  force?: boolean;
}

function generateStepHandlerCommand(ctx: CliContext): Command {
  return withJsonOption(new Command("step_handler"))
    .alias("step-handler")
    .description("scaffold a typed step handler (defineHandler + Zod inputs) and its vitest test")
    .requiredOption(
      "--name <name>",
      "handler name, e.g. ValidateCart (files: validate-cart.ts, validate-cart.test.ts)",
    )
    .option("--namespace <namespace>", "prefix of the callable, e.g. ecommerce -> ecommerce.validate_cart")
    .option("--out <dir>", "directory to write into", ".")
    .option("--import-from <module>", "module that exports defineHandler", "@tasker-ts/tasker")
    .option("--force", "overwrite existing files")
    .action((options: GenerateOptions & { importFrom: string }) => {
      const out = ctx.output(options);
      let names: ReturnType<typeof nameForms>;
      try {
        names = nameForms(options.name);
      } catch (err) {
        throw usageError((err as Error).message);
      }
      if (options.namespace !== undefined && !/^[A-Za-z0-9_]{1,29}$/.test(options.namespace)) {
        throw usageError(
          `--namespace "${options.namespace}" must be 1-29 characters of letters, digits and _`,
        );
      }
      const scaffold = {
        names,
        importFrom: options.importFrom,
        ...(options.namespace ? { namespace: options.namespace } : {}),
      };
      const files = [
        { path: join(options.out, `${names.kebab}.ts`), content: stepHandlerSource(scaffold) },
        { path: join(options.out, `${names.kebab}.test.ts`), content: stepHandlerTestSource(scaffold) },
      ];
      writeGeneratedFiles(files, options.force === true);
      const callable = callableOf(scaffold);
      out.result({ callable, export: names.camel, files: files.map((f) => resolve(f.path)) }, () => {
        for (const f of files) out.line(`created ${f.path}`);
        out.line(`handler ${names.camel} runs steps with handler.callable: ${callable}`);
      });
    });
}

function generateTaskTemplateCommand(ctx: CliContext): Command {
  return withJsonOption(new Command("task_template"))
    .alias("task-template")
    .description("scaffold a task template YAML whose steps run one after another")
    .requiredOption("--name <name>", "template name, snake_case, e.g. order_processing (file: <name>.yaml)")
    .requiredOption("--namespace <namespace>", "namespace_name, e.g. ecommerce")
    .option(
      "--steps <names>",
      `comma-separated step names (default: ${DEFAULT_SCAFFOLD_STEPS.join(",")})`,
      commaList,
    )
    .option("--version <semver>", "the template's version", "0.1.0")
    .option("--description <text>", "what the task does", "Describe what this task does.")
    .option("--out <dir>", "directory to write into", ".")
    .option("--force", "overwrite an existing file")
    .action(
      async (
        options: GenerateOptions & {
          namespace: string;
          steps?: string[];
          version: string;
          description: string;
        },
      ) => {
        const out = ctx.output(options);
        const [{ parseTemplate }, { taskTemplateScaffoldIssues, taskTemplateSource }] = await Promise.all([
          loadModule(),
          import("./scaffold/task-template-source.js"),
        ]);
        const scaffold = {
          name: options.name,
          namespace: options.namespace,
          version: options.version,
          description: options.description,
          steps: options.steps ?? DEFAULT_SCAFFOLD_STEPS,
        };
        const issues = taskTemplateScaffoldIssues(scaffold);
        if (issues.length > 0) throw usageError(issues.join("\n"));
        const path = join(options.out, `${options.name}.yaml`);
        const content = taskTemplateSource(scaffold);
        // The scaffold must pass the same validation as any template; a bad --version fails here.
        try {
          parseTemplate(content, path);
        } catch (err) {
          throw usageError((err as Error).message);
        }
        writeGeneratedFiles([{ path, content }], options.force === true);
        out.result({ file: resolve(path), steps: scaffold.steps }, () => {
          out.line(`created ${path}`);
          out.line(
            `register handlers for: ${scaffold.steps.map((s) => `${scaffold.namespace}.${s}`).join(", ")}`,
          );
        });
      },
    );
}

function generateCommand(ctx: CliContext): Command {
  return new Command("generate")
    .description("scaffold code: a step handler with its test, or a task template")
    .addCommand(generateStepHandlerCommand(ctx))
    .addCommand(generateTaskTemplateCommand(ctx));
}

/** `tasker-ctl template list|validate|visualize|generate`. */
export function templateCommand(ctx: CliContext): Command {
  return new Command("template")
    .description("work with task templates: validate, list, draw, scaffold")
    .addCommand(validateCommand(ctx))
    .addCommand(listCommand(ctx))
    .addCommand(visualizeCommand(ctx))
    .addCommand(generateCommand(ctx));
}
