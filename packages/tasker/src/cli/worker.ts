import { existsSync, statSync } from "node:fs";
import { Command, Option } from "commander";
import { type CliContext, waitForShutdownSignal } from "./context.js";
import { usageError } from "./exit-codes.js";
import {
  commaList,
  type DatabaseOptions,
  isLenient,
  positiveInt,
  resolveDatabaseLocation,
  withDatabaseOptions,
  withJsonOption,
  withLenientOption,
} from "./options.js";
import { databaseFromConfig, loadProcessConfig } from "./process-config.js";
import { startupProgress } from "./progress.js";
import { ensureTypeScriptLoader } from "./typescript-loader.js";

interface WorkerCommandOptions extends DatabaseOptions {
  handlers?: string[];
  namespaces?: string[];
  concurrency?: number;
  templates?: string[];
  workerId?: string;
  config?: string;
  json?: boolean;
  orchestrationUrl?: string;
  apiKey?: string;
  lenient?: boolean;
}

const collect = (value: string, previous: string[] = []) => [...previous, value];

/** `tasker-ctl worker`: runs the handlers found in a directory until SIGINT/SIGTERM. */
export function workerCommand(ctx: CliContext): Command {
  const command: Command = withLenientOption(withJsonOption(withDatabaseOptions(new Command("worker"))))
    .description("run step handlers discovered in a directory against the engine database")
    .option(
      "--handlers <dir>",
      "directory of handler modules, every exported handler is registered (repeatable; or worker.handler_paths)",
      collect,
    )
    .option(
      "--namespaces <list>",
      "namespaces to serve, comma-separated (default: those whose templates use these handlers)",
      commaList,
    )
    .option("--concurrency <n>", "steps run at once (default 10)", positiveInt)
    .option(
      "--templates <path>",
      "template file or directory to register first (repeatable; default TASKER_TEMPLATE_PATH)",
      collect,
    )
    .option("--worker-id <id>", "identifier recorded on the steps it runs (default host-pid)")
    .addOption(
      new Option("--config <file>", "worker.toml: database, templates, handlers, namespaces, queues").env(
        "TASKER_CONFIG_PATH",
      ),
    )
    .addOption(
      new Option(
        "--orchestration-url <url>",
        "run over the worker protocol through this orchestration server instead of on the database",
      ).env("TASKER_ORCHESTRATION_URL"),
    )
    .addOption(
      new Option(
        "--api-key <key>",
        "with --orchestration-url: the key sent (worker and templates:write)",
      ).env("TASKER_API_KEY"),
    )
    .addHelpText(
      "after",
      `
Flags win over the environment (DATABASE_URL, TASKER_TEMPLATE_PATH), which wins over --config.
A worker on PGlite (--data-dir) cannot share the database with another process; use
PostgreSQL for separate serve and worker processes, or \`tasker-ctl serve --handlers\`.

Examples (in a project with ./templates and ./handlers, as \`tasker-ctl init\` makes one):
  $ DATABASE_URL=postgres://postgres:postgres@127.0.0.1:5432/tasker tasker-ctl worker --handlers ./handlers --templates ./templates
  $ tasker-ctl worker --config worker.toml
  $ tasker-ctl worker --orchestration-url http://127.0.0.1:8080 --handlers ./handlers --templates ./templates`,
    )
    .action(async (options: WorkerCommandOptions) => {
      const out = ctx.output(options);
      const lenient = isLenient(options, ctx.env);
      const loaded = await loadProcessConfig(options.config, out, lenient);
      const settings = loaded?.config;
      const location = databaseFromConfig(
        resolveDatabaseLocation(options, command.getOptionValueSource("databaseUrl")),
        loaded,
      );
      const handlers = options.handlers ?? settings?.worker.handler_paths ?? [];
      if (handlers.length === 0) {
        throw usageError(
          "name the handler directory with --handlers <dir> (or worker.handler_paths in --config)",
        );
      }
      for (const dir of handlers) {
        if (!existsSync(dir) || !statSync(dir).isDirectory()) {
          throw usageError(
            `handler directory ${dir} does not exist; point --handlers at the folder holding your handler modules`,
          );
        }
      }
      await ensureTypeScriptLoader(handlers);

      const { engineTemplatePaths, openEngine } = await import("./engine.js");
      const templatePaths =
        options.templates || !settings
          ? engineTemplatePaths(options.templates, ctx.env)
          : settings.common.task_templates.search_paths;
      if (options.orchestrationUrl) {
        const { startRemoteWorker } = await import("./remote-worker.js");
        const remote = await startRemoteWorker({
          orchestrationUrl: options.orchestrationUrl,
          apiKey: options.apiKey,
          handlerDirs: handlers,
          templatePaths,
          namespaces: options.namespaces ?? settings?.worker.namespaces,
          concurrency: options.concurrency ?? settings?.worker.concurrency,
          workerId: options.workerId ?? settings?.worker.worker_id,
          leaseSeconds: settings?.common.queues.visibility_timeout_seconds,
          shutdownTimeoutMs: settings?.worker.shutdown_timeout_ms,
          lenient,
        });
        const status = remote.status();
        const shutdown = waitForShutdownSignal();
        out.data({ orchestration_url: options.orchestrationUrl, ...status });
        out.note(
          `tasker-ctl worker ${status.workerId}: serving ${status.namespaces.join(", ")} with ${status.handlers.length} handlers (through ${options.orchestrationUrl}); Ctrl-C to stop`,
        );
        const signal = await shutdown;
        out.note(`tasker-ctl worker: ${signal} received, finishing running steps`);
        await remote.stop();
        out.note("tasker-ctl worker: stopped");
        return;
      }
      const progress = startupProgress(ctx, out, "worker");
      const engine = await openEngine(
        location,
        templatePaths,
        out,
        settings ? { poolMax: settings.common.database.pool_max } : {},
        progress,
        lenient,
      ).finally(() => progress.stop());
      const namespaces =
        options.namespaces ?? (settings?.worker.namespaces.length ? settings.worker.namespaces : undefined);
      let worker: Awaited<ReturnType<typeof engine.tasker.startWorker>>;
      try {
        worker = await engine.tasker.startWorker({
          handlerDirs: handlers,
          ...(namespaces ? { namespaces } : {}),
          ...((options.concurrency ?? settings?.worker.concurrency)
            ? { concurrency: options.concurrency ?? settings?.worker.concurrency }
            : {}),
          ...((options.workerId ?? settings?.worker.worker_id)
            ? { workerId: options.workerId ?? settings?.worker.worker_id }
            : {}),
          ...(settings
            ? {
                leaseSeconds: settings.common.queues.visibility_timeout_seconds,
                pollIntervalMs: settings.common.queues.poll_interval_ms,
                batchSize: settings.common.queues.batch_size,
                shutdownTimeoutMs: settings.worker.shutdown_timeout_ms,
                writeConcurrency: settings.worker.write_concurrency,
                maxResultBytes: settings.worker.max_result_bytes,
              }
            : {}),
        });
      } catch (err) {
        await engine.close();
        throw usageError(`cannot start the worker: ${(err as Error).message}`);
      }
      const status = worker.status();
      // Listening before saying so: a SIGTERM sent as soon as the line appears is a graceful stop.
      const shutdown = waitForShutdownSignal();
      out.data({ database: location.description, ...status });
      out.note(
        `tasker-ctl worker ${status.workerId}: serving ${status.namespaces.join(", ")} with ${status.handlers.length} handlers (${location.description}); Ctrl-C to stop`,
      );
      const signal = await shutdown;
      out.note(`tasker-ctl worker: ${signal} received, finishing running steps`);
      await engine.close();
      out.note("tasker-ctl worker: stopped");
    });
  return command;
}
