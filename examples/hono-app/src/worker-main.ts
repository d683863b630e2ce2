// A worker-only process: runs the step handlers of chosen namespaces, with no web app and no
// orchestrator (those run in the app process). On the shared engine database by default, or with
// --remote through the orchestration server's worker protocol (ORCHESTRATION_URL), needing no
// engine database credentials at all.
//   npm run worker -w examples/hono-app -- --namespaces sales
//   TASKER_WORKER_NAMESPACES=compliance npm run worker -w examples/hono-app
//   ORCHESTRATION_URL=http://127.0.0.1:8080 npm run worker -w examples/hono-app -- --remote
import { parseArgs } from "node:util";
import { bootstrapWorker, loadConfig as loadTaskerConfig, stopWorker } from "@tasker-ts/tasker";
import { APP_ROOT, loadConfig, parseNamespaces } from "./config.js";
import { openRemoteRuntime } from "./engine/open-remote-runtime.js";
import { openRuntime } from "./engine/open-runtime.js";
import { resolveWorkerSettings } from "./engine/worker-settings.js";
import { loadEnvFiles } from "./lib/env-file.js";
import { onShutdown } from "./lib/shutdown.js";

loadEnvFiles([APP_ROOT, process.cwd()]);

const USAGE =
  "usage: npm run worker -- [--remote] [--namespaces sales,compliance] [--concurrency 10] [--worker-id id]";

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      namespaces: { type: "string" },
      concurrency: { type: "string" },
      "worker-id": { type: "string" },
      remote: { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return;
  }
  const concurrency = values.concurrency === undefined ? undefined : Number(values.concurrency);
  if (concurrency !== undefined && !(Number.isInteger(concurrency) && concurrency > 0)) {
    throw new Error(`--concurrency must be a positive whole number, got "${values.concurrency}"\n${USAGE}`);
  }
  if (values.remote) return startRemote(values, concurrency);
  // Checked before opening anything: embedded PGlite belongs to one process.
  const config = loadConfig();
  const engineUrl = loadTaskerConfig({ path: config.configPath }).config.common.database.url;
  const appUrl = config.appDatabaseUrl ?? engineUrl;
  if (!isPostgresUrl(engineUrl) || !isPostgresUrl(appUrl)) {
    throw new Error(
      "a separate worker process needs the engine and app databases on PostgreSQL, shared with the app process: set DATABASE_URL (and APP_DATABASE_URL, or leave it unset to share DATABASE_URL)",
    );
  }
  const rt = await openRuntime({ name: "hono-app-worker", workerConcurrency: concurrency, routes: false });
  const settings = resolveWorkerSettings({
    flagNamespaces: parseNamespaces(values.namespaces),
    configNamespaces: rt.taskerConfig.worker.namespaces,
    configConcurrency: rt.workerConcurrency,
    available: rt.namespaces,
  });
  const started = await bootstrapWorker({
    tasker: rt.tasker,
    handlers: rt.workflows.flatMap((w) => w.handlers),
    namespaces: settings.namespaces,
    concurrency: settings.concurrency,
    workerId: values["worker-id"] ?? rt.taskerConfig.worker.worker_id,
    configPath: rt.config.configPath,
    logger: rt.logger,
  });
  if (!started.success) throw new Error(`the worker did not start: ${started.message}`);
  console.log(
    `worker ${started.workerId} serving ${settings.namespaces.join(", ")} (concurrency ${settings.concurrency})`,
  );

  onShutdown(rt.logger, () => [
    ["worker", () => stopWorker()],
    ["background jobs", () => rt.jobs.close()],
    ["engine", () => rt.tasker.close()],
    ["app database", () => rt.appDb.close()],
  ]);
}

/** The handlers over the worker protocol: the engine is reached only through ORCHESTRATION_URL. */
async function startRemote(
  values: { namespaces?: string | undefined; "worker-id"?: string | undefined },
  concurrency: number | undefined,
): Promise<void> {
  const rt = await openRemoteRuntime({ name: "hono-app-worker", workerConcurrency: concurrency });
  const settings = resolveWorkerSettings({
    flagNamespaces: parseNamespaces(values.namespaces),
    configNamespaces: rt.taskerConfig.worker.namespaces,
    configConcurrency: rt.workerConcurrency,
    available: rt.namespaces,
  });
  const started = await bootstrapWorker({
    orchestrationUrl: rt.orchestrationUrl,
    ...(rt.apiKey ? { apiKey: rt.apiKey } : {}),
    handlers: rt.workflows.flatMap((w) => w.handlers),
    namespaces: settings.namespaces,
    concurrency: settings.concurrency,
    templatePath: rt.config.templatePath,
    configPath: rt.config.configPath,
    logger: rt.logger,
    ...(values["worker-id"] ? { workerId: values["worker-id"] } : {}),
  });
  if (!started.success) throw new Error(`the worker did not start: ${started.message}`);
  console.log(
    `worker ${started.workerId} serving ${settings.namespaces.join(", ")} through ${rt.orchestrationUrl} (concurrency ${settings.concurrency})`,
  );
  onShutdown(rt.logger, () => [
    ["worker", () => stopWorker()],
    ["background jobs", () => rt.jobs.close()],
    ["app database", () => rt.appDb.close()],
  ]);
}

function isPostgresUrl(url: string | undefined): boolean {
  return Boolean(url && /^postgres(ql)?:\/\//.test(url));
}

main().catch((error: unknown) => {
  console.error(`hono-app worker failed to start: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
