// The app in one process (the default, `npm start`): web app on PORT, the engine's orchestrator
// and orchestration API on ORCHESTRATION_PORT (embedded mode, unless ORCHESTRATION_URL points
// elsewhere), and a worker running every workflow's step handlers. Embedded PGlite under .data/
// unless DATABASE_URL / APP_DATABASE_URL name PostgreSQL servers.
import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import { bootstrapWorker, stopWorker } from "@tasker-ts/tasker";
import { startOrchestrationServer } from "@tasker-ts/tasker/api";
import { createApp } from "./app.js";
import { APP_ROOT } from "./config.js";
import { subscribeTaskStatus } from "./engine/lifecycle.js";
import { openRuntime } from "./engine/open-runtime.js";
import { resolveWorkerSettings } from "./engine/worker-settings.js";
import { loadEnvFiles } from "./lib/env-file.js";
import { describeListen } from "./lib/listen-address.js";
import { onShutdown } from "./lib/shutdown.js";

loadEnvFiles([APP_ROOT, process.cwd()]);

/** A line of start-up progress, with the seconds since the process started. */
function progress(message: string): void {
  console.log(`hono-app: ${message} (${process.uptime().toFixed(1)} s)`);
}

async function main(): Promise<void> {
  // scripts/start.mjs (npm start) has said it already, before loading this module.
  if (!(globalThis as Record<symbol, unknown>)[Symbol.for("hono-app.starting-said")]) progress("starting");
  const rt = await openRuntime({ name: "hono-app", onProgress: progress, routes: true });
  const { config, logger, tasker } = rt;
  const onPostgres = Boolean(rt.taskerConfig.common.database.url);

  // Domain rows follow their tasks through lifecycle events.
  const statuses = subscribeTaskStatus({
    events: tasker.events,
    db: rt.appDb.db,
    logger,
    mappers: rt.workflows.flatMap((w) => w.taskStatusMappers ?? []),
  });
  await tasker.events.ready();
  progress(`engine ready, ${rt.namespaces.length} workflow namespaces`);

  // Embedded mode: this process is also the orchestrator and serves the orchestration API.
  let orchestration: { url: string; listening: string; close(): Promise<void> } | undefined;
  if (!config.orchestrationUrl) {
    await tasker.startOrchestrator();
    orchestration = await startOrchestrationServer({
      tasker,
      port: config.orchestrationPort,
      ...(onPostgres ? {} : { embedded: true }),
      logger,
    });
  } else if (!onPostgres) {
    throw new Error(
      `ORCHESTRATION_URL=${config.orchestrationUrl} points at another process, but the engine database is this process's embedded PGlite; set DATABASE_URL to the PostgreSQL server that orchestrator uses`,
    );
  }

  const worker = resolveWorkerSettings({
    configNamespaces: rt.taskerConfig.worker.namespaces,
    configConcurrency: rt.workerConcurrency,
    available: rt.namespaces,
  });
  const started = await bootstrapWorker({
    tasker,
    handlers: rt.workflows.flatMap((w) => w.handlers),
    namespaces: worker.namespaces,
    concurrency: worker.concurrency,
    workerId: rt.taskerConfig.worker.worker_id,
    configPath: config.configPath,
    logger,
  });
  if (!started.success) throw new Error(`the worker did not start: ${started.message}`);

  progress(`worker ${started.workerId} started`);

  const app = createApp({ db: rt.appDb.db, tasker, jobs: rt.jobs, config, logger, workflows: rt.workflows });
  const server = serve({ fetch: app.fetch, port: config.port, hostname: "0.0.0.0" });
  await new Promise<void>((ok, fail) => {
    server.once("listening", ok);
    server.once("error", fail);
  });

  const listening = server.address() as AddressInfo;
  const appUrl = `http://localhost:${listening.port}`;
  const orchestrationUrl = orchestration?.url ?? config.orchestrationUrl;
  console.log(`
hono-app is running (${onPostgres ? "PostgreSQL" : `embedded PGlite in ${config.dataDir}/tasker`}, ready in ${process.uptime().toFixed(1)} s)
  app:            ${appUrl}   (GET /health, GET /products; listening on ${describeListen(listening)})
  orchestration:  ${orchestrationUrl}/v1/tasks   (docs: ${orchestrationUrl}/docs${orchestration ? `; listening on ${orchestration.listening}` : ""})
  worker:         ${started.workerId} serving ${worker.namespaces.join(", ")}
  jobs:           ${rt.jobs.backend}

Try it:
  curl -s -X POST ${appUrl}/orders -H 'content-type: application/json' \\
    -d '{"customer_email":"ada@example.com","items":[{"sku":"WIDGET-001","quantity":2}],"payment_info":{"method":"card","token":"tok_visa"}}'
  curl -s ${appUrl}/orders/<id>
`);

  onShutdown(logger, () => [
    ["http server", () => new Promise<void>((ok) => server.close(() => ok()))],
    ["worker", () => stopWorker()],
    ["orchestration api", () => orchestration?.close()],
    ["background jobs", () => rt.jobs.close()],
    [
      "status events",
      async () => {
        await statuses.idle();
        statuses.unsubscribe();
      },
    ],
    ["engine", () => tasker.close()],
    ["app database", () => rt.appDb.close()],
  ]);
}

main().catch((error: unknown) => {
  console.error(`hono-app failed to start: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
