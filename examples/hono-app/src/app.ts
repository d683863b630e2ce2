// The HTTP app: health, the catalog, and every workflow's routes, with JSON errors throughout.
import { createLogger, type Logger } from "@tasker-ts/tasker";
import { asc, sql } from "drizzle-orm";
import { Hono } from "hono";
import { type AppConfig, loadConfig } from "./config.js";
import type { AppDb } from "./db/client.js";
import { products } from "./db/schema.js";
import type { EngineHandle } from "./engine/engine-handle.js";
import type { JobQueue } from "./jobs/job-queue.js";
import type { AppDeps } from "./lib/deps.js";
import { errorHandler, notFoundHandler } from "./lib/http-errors.js";
import { createWorkflows, type Workflow } from "./workflows/index.js";

export interface CreateAppOptions {
  db: AppDb;
  tasker: EngineHandle;
  jobs: JobQueue;
  config?: AppConfig;
  logger?: Logger;
  /** The workflows to mount; default: all of them, created from the other options. */
  workflows?: Workflow[];
}

export function createApp(options: CreateAppOptions): Hono {
  const deps: AppDeps = {
    db: options.db,
    tasker: options.tasker,
    jobs: options.jobs,
    config: options.config ?? loadConfig(),
    logger: options.logger ?? createLogger({ name: "hono-app" }),
  };
  const workflows = options.workflows ?? createWorkflows(deps);
  const app = new Hono();
  app.onError(errorHandler(deps.logger));
  app.notFound(notFoundHandler);

  app.get("/health", async (c) => {
    const appDatabase = await deps.db
      .execute(sql`select 1`)
      .then(() => true)
      .catch(() => false);
    const engine = options.tasker.health
      ? await options.tasker.health().catch(() => ({ database: false, queue: false }))
      : undefined;
    const healthy = appDatabase && (!engine || (engine.database && engine.queue));
    return c.json(
      {
        status: healthy ? "ok" : "degraded",
        app_database: appDatabase,
        ...(engine ? { engine } : {}),
        jobs: deps.jobs.backend,
        workflows: workflows.map((w) => ({ name: w.name, namespaces: w.namespaces })),
      },
      healthy ? 200 : 503,
    );
  });

  app.get("/products", async (c) => {
    const catalog = await deps.db.select().from(products).orderBy(asc(products.sku));
    return c.json({ products: catalog });
  });

  for (const workflow of workflows) {
    for (const [prefix, routes] of Object.entries(workflow.routes)) app.route(prefix, routes);
  }
  return app;
}
