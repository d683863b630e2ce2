import { Command } from "commander";
import type { ConfigIssue } from "../config/errors.js";
import type { TaskerConfig } from "../config/schema.js";
import type { CliContext } from "./context.js";
import { EXIT, usageError } from "./exit-codes.js";
import { commaList, isLenient, redactUrl, withJsonOption, withLenientOption } from "./options.js";
import { writeGeneratedFiles } from "./scaffold/write-files.js";

const collect = (value: string, previous: string[] = []) => [...previous, value];

interface GenerateOptions {
  out?: string;
  force?: boolean;
  databaseUrl?: string;
  templates?: string[];
  handlers?: string[];
  namespaces?: string[];
  workerId?: string;
  json?: boolean;
}

function generateCommand(ctx: CliContext): Command {
  return withJsonOption(new Command("generate"))
    .description("write a commented worker.toml with every setting at its default")
    .option("--out <file>", "write to this file instead of stdout (e.g. worker.toml)")
    .option("--force", "overwrite an existing --out file")
    .option(
      "--database-url <url>",
      "value for common.database.url (default: interpolated from DATABASE_URL at load time)",
    )
    .option("--templates <path>", "a common.task_templates.search_paths entry (repeatable)", collect)
    .option("--handlers <dir>", "a worker.handler_paths entry (repeatable)", collect)
    .option("--namespaces <list>", "worker.namespaces, comma-separated", commaList)
    .option("--worker-id <id>", "worker.worker_id")
    .action(async (options: GenerateOptions) => {
      const out = ctx.output(options);
      const { generateConfigToml } = await import("../config/generate.js");
      const toml = generateConfigToml({
        ...(options.databaseUrl !== undefined ? { databaseUrl: options.databaseUrl } : {}),
        ...(options.templates ? { searchPaths: options.templates } : {}),
        ...(options.handlers ? { handlerPaths: options.handlers } : {}),
        ...(options.namespaces ? { namespaces: options.namespaces } : {}),
        ...(options.workerId ? { workerId: options.workerId } : {}),
      });
      if (!options.out) {
        if (options.json) out.data({ toml });
        else ctx.io.stdout.write(toml);
        return;
      }
      writeGeneratedFiles([{ path: options.out, content: toml }], options.force === true);
      out.result({ file: options.out }, () => {
        out.line(`created ${options.out}`);
        out.line(`check it with: tasker-ctl config validate ${options.out}`);
      });
    });
}

/** The effective config with secrets masked, for printing. */
export function redactConfig(config: TaskerConfig): TaskerConfig {
  const copy = structuredClone(config);
  copy.common.database.url = redactUrl(copy.common.database.url);
  copy.common.queues.rabbitmq.url = redactUrl(copy.common.queues.rabbitmq.url);
  copy.orchestration.web.auth.api_keys = copy.orchestration.web.auth.api_keys.map((k) => ({
    ...k,
    key: "***",
  }));
  return copy;
}

/** A short human summary of what the configuration will do. */
export function describeConfig(config: TaskerConfig): string[] {
  const { common, worker, orchestration } = config;
  const list = (items: readonly string[], none: string) => (items.length > 0 ? items.join(", ") : none);
  const auth = orchestration.web.auth;
  return [
    `database:    ${common.database.url ? redactUrl(common.database.url) : "embedded PGlite"}`,
    `queues:      ${common.queues.backend} (visibility ${common.queues.visibility_timeout_seconds} s)`,
    `templates:   ${list(common.task_templates.search_paths, "none configured")}`,
    `worker:      ${worker.worker_id}, namespaces ${list(worker.namespaces, "all with templates")}, concurrency ${worker.concurrency}`,
    `handlers:    ${list(worker.handler_paths, "none configured")}`,
    `api auth:    ${auth.enabled ? `on (${auth.api_keys.length} keys)` : "off"}`,
  ];
}

function validateCommand(ctx: CliContext): Command {
  return withLenientOption(withJsonOption(new Command("validate")))
    .description("check a worker.toml (with environment overrides applied); exit 2 on any error")
    .argument("[file]", "the config file (default: TASKER_CONFIG_PATH)")
    .action(async (file: string | undefined, options: { json?: boolean; lenient?: boolean }) => {
      const out = ctx.output(options);
      const path = file ?? ctx.env.TASKER_CONFIG_PATH;
      if (!path) throw usageError("name the config file, or set TASKER_CONFIG_PATH");
      const [{ loadConfig }, { ConfigError, formatConfigIssue }] = await Promise.all([
        import("../config/load.js"),
        import("../config/errors.js"),
      ]);
      let errors: ConfigIssue[] = [];
      let loaded: ReturnType<typeof loadConfig> | undefined;
      // Every issue at once: with errors, a lenient load's warnings come with them.
      let warnings: ConfigIssue[] = [];
      try {
        loaded = loadConfig({ path, env: ctx.env, lenient: isLenient(options, ctx.env) });
        warnings = loaded.warnings;
      } catch (err) {
        if (!(err instanceof ConfigError)) throw err;
        errors = err.issues;
        warnings = err.warnings;
      }
      out.result(
        {
          valid: errors.length === 0,
          file: path,
          errors,
          warnings,
          env_overrides: loaded?.source.envOverrides ?? [],
          config: loaded ? redactConfig(loaded.config) : null,
        },
        () => {
          const { green, red, yellow, dim } = out.style;
          for (const issue of errors) out.line(`${red("error")}   ${formatConfigIssue(issue)}`);
          for (const issue of warnings) out.line(`${yellow("warning")} ${formatConfigIssue(issue)}`);
          if (loaded) {
            out.line(`${green("ok")}      ${path}`);
            for (const line of describeConfig(loaded.config)) out.line(`  ${line}`);
            if (loaded.source.envOverrides.length > 0) {
              out.line(dim(`  overridden by the environment: ${loaded.source.envOverrides.join(", ")}`));
            }
          }
        },
      );
      if (errors.length > 0) ctx.exitCode = EXIT.usage;
    });
}

/** `tasker-ctl config generate|validate` (worker.toml). */
export function configCommand(ctx: CliContext): Command {
  return new Command("config")
    .description("generate or validate a worker.toml configuration")
    .addCommand(generateCommand(ctx))
    .addCommand(validateCommand(ctx));
}
