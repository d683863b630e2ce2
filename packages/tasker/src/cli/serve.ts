import { existsSync } from "node:fs";
import { Command, Option } from "commander";
import type { OrchestrationServer } from "../api/server.js";
import type { LoadedConfig } from "../config/load.js";
import type { Worker } from "../worker/worker.js";
import { type CliContext, waitForShutdownSignal } from "./context.js";
import type { Engine } from "./engine.js";
import { CliError, EXIT, usageError } from "./exit-codes.js";
import {
  commaList,
  type DatabaseOptions,
  isLenient,
  port,
  positiveInt,
  resolveDatabaseLocation,
  withDatabaseOptions,
  withJsonOption,
  withLenientOption,
} from "./options.js";
import {
  databaseFromConfig,
  loadProcessConfig,
  orchestrationSettings,
  parseBindAddress,
} from "./process-config.js";
import { startupProgress } from "./progress.js";
import { ensureTypeScriptLoader } from "./typescript-loader.js";

interface ServeOptions extends DatabaseOptions {
  port: number;
  host?: string;
  templates?: string[];
  config?: string;
  handlers?: string[];
  namespaces?: string[];
  concurrency?: number;
  allowUnauthenticatedNetwork?: boolean;
  lenient?: boolean;
  json?: boolean;
}

const collect = (value: string, previous: string[] = []) => [...previous, value];

/** `tasker-ctl serve`: the orchestration API plus an orchestrator, until SIGINT/SIGTERM. */
export function serveCommand(ctx: CliContext): Command {
  const command: Command = withLenientOption(withJsonOption(withDatabaseOptions(new Command("serve"))))
    .description("run the orchestration REST API and an orchestrator (embedded PGlite by default)")
    .option("--port <port>", "port to listen on (0 = any free port)", port, 8080)
    .option("--host <host>", "interface to bind (default 127.0.0.1 on PGlite, 0.0.0.0 on PostgreSQL)")
    .option(
      "--templates <path>",
      "template file or directory to register (repeatable; default TASKER_TEMPLATE_PATH)",
      collect,
    )
    .addOption(
      new Option(
        "--config <file>",
        "worker.toml: database, template paths, bind address, API keys ([orchestration.web.auth])",
      ).env("TASKER_CONFIG_PATH"),
    )
    .option(
      "--handlers <dir>",
      "also run a worker in this process with the handlers in <dir> (repeatable)",
      collect,
    )
    .option(
      "--namespaces <list>",
      "with --handlers: namespaces the worker serves (comma-separated)",
      commaList,
    )
    .option("--concurrency <n>", "with --handlers: steps run at once", positiveInt)
    .option(
      "--allow-unauthenticated-network",
      "serve beyond 127.0.0.1 with auth off (a trusted network only; else refused). Also TASKER_ALLOW_UNAUTHENTICATED_NETWORK=true, or allow_unauthenticated_network under [orchestration.web]",
    )
    .addHelpText(
      "after",
      `
Flags win over the environment (DATABASE_URL, TASKER_TEMPLATE_PATH), which wins over --config.

Examples (in a project with ./templates and ./handlers, as \`tasker-ctl init\` makes one):
  $ tasker-ctl serve --templates ./templates                          # embedded PGlite in .data/tasker
  $ DATABASE_URL=postgres://postgres:postgres@127.0.0.1:5432/tasker TASKER_API_KEY=$(openssl rand -hex 32) tasker-ctl serve --port 8080
  $ tasker-ctl serve --data-dir /tmp/t --templates ./templates --handlers ./handlers   # all in one process`,
    )
    .action(async (options: ServeOptions) => {
      const out = ctx.output(options);
      if (options.config && !existsSync(options.config)) {
        throw usageError(
          `--config ${options.config} does not exist; create one with \`tasker-ctl config generate\``,
        );
      }
      if (!options.handlers && (options.namespaces || options.concurrency)) {
        throw usageError(
          "--namespaces and --concurrency configure the embedded worker; pass --handlers <dir> too",
        );
      }
      const lenient = isLenient(options, ctx.env);
      const loaded = await loadProcessConfig(options.config, out, lenient);
      const location = databaseFromConfig(
        resolveDatabaseLocation(options, command.getOptionValueSource("databaseUrl")),
        loaded,
      );
      const bind = listenAddress(options, command.getOptionValueSource("port"), loaded);
      if (options.handlers) await ensureTypeScriptLoader(options.handlers);

      const { engineTemplatePaths, openEngine } = await import("./engine.js");
      const templatePaths =
        options.templates || !loaded
          ? engineTemplatePaths(options.templates, ctx.env)
          : loaded.config.common.task_templates.search_paths;
      const progress = startupProgress(ctx, out, "serve");
      const settings = orchestrationSettings(loaded);
      const engine = await openEngine(
        location,
        templatePaths,
        out,
        {
          maxPendingTasks: settings.maxPendingTasks,
          ...(loaded ? { poolMax: loaded.config.common.database.pool_max } : {}),
        },
        progress,
        lenient,
      ).finally(() => progress.stop());
      let server: OrchestrationServer | undefined;
      let worker: Worker | undefined;
      try {
        await engine.tasker.startOrchestrator(settings.orchestrator);
        if (options.handlers) worker = await startEmbeddedWorker(engine, options, loaded);
        server = await startServer(engine, options, bind, loaded);
      } catch (err) {
        await engine.close();
        throw err;
      }

      // Listening before saying so: a SIGTERM sent as soon as the line appears is a graceful stop.
      const shutdown = waitForShutdownSignal();
      out.data({
        url: server.url,
        port: server.port,
        listening: server.listening,
        database: location.description,
        templates: engine.templateCount,
        worker: worker ? worker.status() : null,
      });
      out.note(
        `tasker-ctl serve: orchestration API on ${server.url} (${location.description}, ${engine.templateCount} templates${worker ? `, worker on ${worker.status().namespaces.join(", ")}` : ""}; listening on ${server.listening}); Ctrl-C to stop`,
      );

      const signal = await shutdown;
      out.note(`tasker-ctl serve: ${signal} received, shutting down`);
      await server.close();
      await engine.close();
      out.note("tasker-ctl serve: stopped");
    });
  return command;
}

/** --port / --host, else the config's orchestration.web.bind_address, else 8080 on the default host. */
function listenAddress(
  options: ServeOptions,
  portSource: string | undefined,
  loaded: LoadedConfig | undefined,
): { port: number; host?: string } {
  const configured = loaded?.config.orchestration.web.bind_address;
  const fromConfig = configured ? parseBindAddress(configured) : undefined;
  const portValue = portSource === "default" && fromConfig ? fromConfig.port : options.port;
  const host = options.host ?? fromConfig?.host;
  return { port: portValue, ...(host ? { host } : {}) };
}

async function startEmbeddedWorker(
  engine: Engine,
  options: ServeOptions,
  loaded: LoadedConfig | undefined,
): Promise<Worker> {
  const fromConfig = loaded?.config.worker;
  const namespaces =
    options.namespaces ?? (fromConfig?.namespaces.length ? fromConfig.namespaces : undefined);
  const concurrency = options.concurrency ?? fromConfig?.concurrency;
  try {
    return await engine.tasker.startWorker({
      handlerDirs: options.handlers ?? [],
      ...(namespaces ? { namespaces } : {}),
      ...(concurrency ? { concurrency } : {}),
    });
  } catch (err) {
    throw usageError(`cannot start the worker: ${(err as Error).message}`);
  }
}

async function startServer(
  engine: Engine,
  options: ServeOptions,
  bind: { port: number; host?: string },
  loaded: LoadedConfig | undefined,
): Promise<OrchestrationServer> {
  const web = loaded?.config.orchestration.web;
  const allow = options.allowUnauthenticatedNetwork || web?.allow_unauthenticated_network;
  const { startOrchestrationServer } = await import("../api/server.js");
  try {
    return await startOrchestrationServer({
      tasker: engine.tasker,
      port: bind.port,
      embedded: engine.database.kind === "pglite",
      logger: engine.logger,
      ...(bind.host ? { hostname: bind.host } : {}),
      ...(options.config ? { configPath: options.config } : {}),
      ...(web?.request_timeout_ms ? { requestTimeoutMs: web.request_timeout_ms } : {}),
      ...(allow ? { allowUnauthenticatedNetwork: true } : {}),
    });
  } catch (err) {
    if ((err as Error).name === "AuthConfigError") throw usageError((err as Error).message);
    throw new CliError((err as Error).message, EXIT.failed);
  }
}
