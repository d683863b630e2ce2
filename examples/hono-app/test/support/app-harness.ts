// A complete app for integration tests: app + engine databases (in-memory PGlite, or fresh
// PostgreSQL databases from createTestDatabase), the engine with the app's templates, an
// orchestrator, a worker for the chosen namespaces, the orchestration API on a free port, and the
// Hono app listening on another free port (so handlers that call the app's own services work).
import type { AddressInfo } from "node:net";
import { resolve } from "node:path";
import { createAdaptorServer } from "@hono/node-server";
import { createLogger, Tasker, type TaskerOptions } from "@tasker-ts/tasker";
import { startOrchestrationServer } from "@tasker-ts/tasker/api";
import type { TaskerClient } from "@tasker-ts/tasker/client";
import { createTestDatabase, type TestBackend, type TestDatabase } from "@tasker-ts/tasker/testing";
import type { Hono } from "hono";
import { createApp } from "../../src/app.js";
import { APP_ROOT, type AppConfig, loadConfig } from "../../src/config.js";
import { type AppDatabase, openAppDatabase } from "../../src/db/client.js";
import type { EngineHandle } from "../../src/engine/engine-handle.js";
import { subscribeTaskStatus, type TaskStatusSubscription } from "../../src/engine/lifecycle.js";
import { MemoryJobQueue } from "../../src/jobs/memory-queue.js";
import { registerAppJobs } from "../../src/jobs/register-jobs.js";
import type { AppDeps } from "../../src/lib/deps.js";
import { createWorkflows, type Workflow } from "../../src/workflows/index.js";

/** Response bodies in assertions: any JSON the app returns. */
// biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary JSON and assert on it
export type Json = any;

export interface TestApp {
  backend: TestBackend;
  app: Hono;
  /** The app's base URL (a real listening server). */
  url: string;
  /** The orchestration API's base URL (what ORCHESTRATION_URL would be). */
  orchestrationUrl: string;
  deps: AppDeps;
  appDatabase: AppDatabase;
  /** PostgreSQL URLs of the two databases (postgres backend only), for other processes to share. */
  engineDatabaseUrl: string | undefined;
  appDatabaseUrl: string | undefined;
  tasker: Tasker;
  jobs: MemoryJobQueue;
  workflows: Workflow[];
  statusSubscription: TaskStatusSubscription;
  /** JSON request to the app through `app.request()`. */
  request(
    method: string,
    path: string,
    body?: unknown,
  ): Promise<{ status: number; body: Json; headers: Headers }>;
  close(): Promise<void>;
}

export interface StartTestAppOptions {
  /** Namespaces the test worker serves (default: every workflow's). */
  namespaces?: string[];
  concurrency?: number;
  /** false: no worker at all (tasks stay pending), e.g. to test backpressure. */
  worker?: boolean;
  /** Engine options on top of the defaults (e.g. `templatePaths: []`, `maxPendingTasks`). */
  taskerOptions?: Partial<TaskerOptions>;
  /** The client the app (routes, jobs, handlers) uses instead of the engine's own. */
  client?: (tasker: Tasker) => TaskerClient;
}

export async function startTestApp(
  backend: TestBackend,
  options: StartTestAppOptions = {},
): Promise<TestApp> {
  const cleanups: Array<() => Promise<unknown>> = [];
  const cleanup = async () => {
    for (const fn of cleanups.reverse()) await fn().catch(() => undefined);
  };
  try {
    const logger = createLogger({ name: "hono-app-test", level: process.env.TEST_LOG_LEVEL ?? "silent" });
    let engineDb: TestDatabase | undefined;
    let appDbTest: TestDatabase | undefined;
    if (backend === "postgres") {
      engineDb = await createTestDatabase("hono_app_engine");
      cleanups.push(() => engineDb!.drop());
      appDbTest = await createTestDatabase("hono_app_domain");
      cleanups.push(() => appDbTest!.drop());
    }

    // Listen first (the app is plugged in below) so the config knows the app's own URL.
    let app: Hono | undefined;
    const server = createAdaptorServer({
      fetch: (req: Request) => (app ? app.fetch(req) : new Response("starting", { status: 503 })),
      hostname: "127.0.0.1",
    });
    await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok));
    cleanups.push(() => new Promise((ok) => server.close(ok)));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

    const config: AppConfig = { ...loadConfig({}), servicesBaseUrl: url, port: 0 };
    const appDb: AppDatabase = await openAppDatabase({ url: appDbTest?.url ?? "memory://" });
    cleanups.push(() => appDb.close());

    const tasker = await Tasker.open({
      ...(engineDb ? { databaseUrl: engineDb.url } : { dataDir: "memory://" }),
      templatePaths: [resolve(APP_ROOT, "templates")],
      logger,
      ...options.taskerOptions,
    });
    cleanups.push(() => tasker.close());

    const jobs = new MemoryJobQueue(logger);
    cleanups.push(() => jobs.close());
    const engine: EngineHandle = options.client
      ? { client: options.client(tasker), events: tasker.events, health: () => tasker.health() }
      : tasker;
    const deps: AppDeps = { db: appDb.db, tasker: engine, jobs, config, logger };
    const workflows = createWorkflows(deps);
    registerAppJobs(deps, workflows);

    const statusSubscription = subscribeTaskStatus({
      events: tasker.events,
      db: appDb.db,
      logger,
      mappers: workflows.flatMap((w) => w.taskStatusMappers ?? []),
    });
    cleanups.push(async () => statusSubscription.unsubscribe());
    await tasker.events.ready();

    await tasker.startOrchestrator({ pollIntervalMs: 200 });
    if (options.worker !== false) {
      await tasker.startWorker({
        handlers: workflows.flatMap((w) => w.handlers),
        namespaces: options.namespaces ?? [...new Set(workflows.flatMap((w) => w.namespaces))],
        concurrency: options.concurrency ?? 10,
        pollIntervalMs: 200,
      });
    }
    const orchestration = await startOrchestrationServer({ tasker, port: 0, embedded: true, logger });
    cleanups.push(() => orchestration.close());

    app = createApp({ db: appDb.db, tasker: engine, jobs, config, logger, workflows });
    const built = app;
    return {
      backend,
      app: built,
      url,
      orchestrationUrl: orchestration.url,
      deps,
      appDatabase: appDb,
      engineDatabaseUrl: engineDb?.url,
      appDatabaseUrl: appDbTest?.url,
      tasker,
      jobs,
      workflows,
      statusSubscription,
      async request(method, path, body) {
        const res = await built.request(path, {
          method,
          headers: body === undefined ? {} : { "content-type": "application/json" },
          body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
        });
        const text = await res.text();
        let parsed: unknown = text;
        try {
          parsed = JSON.parse(text);
        } catch {}
        return { status: res.status, body: parsed, headers: res.headers };
      },
      close: cleanup,
    };
  } catch (error) {
    await cleanup();
    throw error;
  }
}

/** Polls GET `path` until the row's status is one of `statuses` (rows follow lifecycle events). */
export async function waitForRowStatus(
  testApp: TestApp,
  path: string,
  statuses: readonly string[],
  timeoutMs = 15_000,
): Promise<Json> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const res = await testApp.request("GET", path);
    if (res.status === 200 && statuses.includes(res.body.status)) return res.body;
    if (Date.now() > deadline) {
      throw new Error(
        `${path} still ${res.status} ${JSON.stringify(res.body?.status)} after ${timeoutMs} ms`,
      );
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}
