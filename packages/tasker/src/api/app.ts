import { OpenAPIHono } from "@hono/zod-openapi";
import type { Context } from "hono";
import { matchedRoutes } from "hono/route";
import { stepTypesFrom } from "../lifecycle/step-types.js";
import { TaskerError } from "../model/errors.js";
import { CONTEXT_LIMITS } from "../model/task-request.js";
import { defaultLogger, type Logger } from "../observability/logger.js";
import { createMetrics, type Metrics } from "../observability/metrics.js";
import { RemoteWorkers } from "../protocol/remote-workers.js";
import { type DashboardOptions, normaliseBasePath } from "../ui/dashboard-app.js";
import { mountDashboard } from "../ui/mount-dashboard.js";
import { type AuthConfig, type AuthEnv, createKeyMatcher, requirePermission } from "./auth.js";
import { resolveAuthConfig } from "./auth-config.js";
import { limitBody } from "./body-limit.js";
import { createErrorHandler, reply, sendError, validationReply } from "./errors.js";
import { MAX_BODY_BYTES } from "./json-body.js";
import { registerDocsRoutes } from "./routes/docs.js";
import { registerHealthRoutes } from "./routes/health.js";
import { registerMetricsRoute } from "./routes/metrics.js";
import type { ApiApp, RouteDeps } from "./routes/route-deps.js";
import { registerStepRoutes } from "./routes/steps.js";
import { registerTaskRoutes } from "./routes/tasks.js";
import { registerTemplateRoutes } from "./routes/templates.js";
import { registerWorkerProtocolRoutes } from "./routes/worker-protocol.js";
import type { ApiTasker } from "./tasker-port.js";

/** Options of {@link buildApiApp} / {@link createApiApp}. */
export interface ApiAppOptions {
  tasker: ApiTasker;
  /** API keys and whether they are required. Omitted: auth is off (embedded dev mode only). */
  auth?: AuthConfig;
  /**
   * Where metrics go. Default: the engine's own sink when it is a Prometheus `Metrics`
   * (`Tasker.open({ metrics })`), else a fresh registry that the API feeds itself.
   */
  metrics?: Metrics;
  logger?: Logger;
  /** Dashboard settings (refresh interval, base path, ...), or false for no dashboard. */
  dashboard?: false | Omit<DashboardOptions, "tasker" | "auth" | "logger">;
}

/** The API app with the metrics registry it reports to. */
export interface BuiltApiApp {
  app: ApiApp;
  metrics: Metrics;
  /** Removes the event subscriptions the app made. */
  dispose(): void;
}

const KNOWN_METHODS = new Set(["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]);

/** The methods registered for a concrete path, for a helpful 404 on a wrong method. */
export function allowedMethods(routes: readonly { method: string; path: string }[], path: string): string[] {
  const methods = new Set<string>();
  for (const route of routes) {
    if (route.path === "*" || route.path === "/*" || route.method === "ALL") continue;
    const pattern = new RegExp(
      `^${route.path
        .split("/")
        .map((seg) => (seg.startsWith(":") ? "[^/]+" : seg.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")))
        .join("/")}$`,
    );
    if (pattern.test(path)) methods.add(route.method);
  }
  return [...methods].sort();
}

function isMetrics(value: unknown): value is Metrics {
  return typeof (value as Metrics | undefined)?.render === "function";
}

/** Which registry to expose, and whether the API must feed it (the engine does not). */
function chooseMetrics(options: ApiAppOptions, logger: Logger): { metrics: Metrics; selfReport: boolean } {
  const engineSink = options.tasker.metrics;
  const metrics = options.metrics ?? (isMetrics(engineSink) ? engineSink : createMetrics(undefined, logger));
  return { metrics, selfReport: engineSink === undefined };
}

/** The route pattern that served a request (bounded label set for metrics), or "unmatched". */
function routeLabel(c: Context): string {
  const last = matchedRoutes(c).at(-1);
  return last && last.path !== "*" && last.path !== "/*" ? last.path : "unmatched";
}

/**
 * The orchestration REST API as a Hono app: `/v1/tasks...`, `/v1/templates...`, health,
 * `/metrics`, `/openapi.json` and `/docs`. Serve it with `startOrchestrationServer`, mount it
 * in another Hono app, or hand `app.fetch` to Bun/Deno.
 */
export function buildApiApp(options: ApiAppOptions): BuiltApiApp {
  const logger = (options.logger ?? defaultLogger()).child({ component: "api" });
  const auth = resolveAuthConfig({ auth: options.auth ?? { enabled: false }, embedded: true });
  if (!auth.enabled)
    logger.warn("orchestration API auth is disabled; do not expose this server beyond localhost");
  const match = createKeyMatcher(auth.apiKeys);

  const { metrics, selfReport } = chooseMetrics(options, logger);
  // When the engine reports nothing, the API counts what it sees: creates it serves, and task
  // outcomes and retries from lifecycle events (which reach every process on the database).
  const unsubscribe = selfReport ? metrics.subscribe(options.tasker.events) : () => {};
  metrics.setQueueDepthSource(() => options.tasker.queueDepths());

  const app: ApiApp = new OpenAPIHono<AuthEnv>({
    defaultHook: (result, c) => {
      if (!result.success) return sendError(c, validationReply(result.target, result.error));
    },
  });

  app.use("*", async (c, next) => {
    const started = performance.now();
    await next();
    const seconds = (performance.now() - started) / 1000;
    const method = KNOWN_METHODS.has(c.req.method) ? c.req.method : "OTHER";
    metrics.httpRequest(method, routeLabel(c), c.res.status, seconds);
    logger.debug(
      { method, path: c.req.path, status: c.res.status, ms: Math.round(seconds * 1000) },
      "request",
    );
  });
  // Every body is bounded before a route reads it. The dashboard bounds its own forms and
  // answers with its own pages, so its paths are left to it.
  const bodies = limitBody(
    MAX_BODY_BYTES,
    `keep the task context under ${CONTEXT_LIMITS.maxBytes} bytes and pass big data by reference`,
  );
  const dashboardBase =
    options.dashboard === false ? undefined : normaliseBasePath(options.dashboard?.basePath ?? "/ui");
  // A prefix test, not Hono's except(): that is three more async layers on every request.
  const inDashboard = (path: string) =>
    dashboardBase !== undefined && (path === dashboardBase || path.startsWith(`${dashboardBase}/`));
  app.use("*", (c, next) => (inDashboard(c.req.path) ? next() : bodies(c, next)));
  app.onError(createErrorHandler(logger));
  app.notFound((c) => {
    const methods = allowedMethods(app.routes, c.req.path);
    if (methods.length > 0) {
      return sendError(
        c,
        reply("NOT_FOUND", `${c.req.method} is not supported on ${c.req.path}; use ${methods.join(" or ")}`, {
          allowed_methods: methods,
        }),
      );
    }
    return sendError(
      c,
      reply("NOT_FOUND", `no route for ${c.req.method} ${c.req.path}; the routes are listed at /docs`),
    );
  });

  const deps: RouteDeps = {
    tasker: options.tasker,
    metrics,
    countCreates: selfReport,
    logger,
    guard: (permission) => requirePermission(permission, { enabled: auth.enabled, match }),
  };
  registerHealthRoutes(app, deps);
  registerTaskRoutes(app, deps);
  registerStepRoutes(app, deps);
  registerTemplateRoutes(app, deps);
  const remote = remoteWorkersOf(options.tasker, logger);
  registerWorkerProtocolRoutes(app, deps, remote.get, MAX_BODY_BYTES);
  registerMetricsRoute(app, deps);
  registerDocsRoutes(app);
  // The dashboard shares the port, the engine and the API keys (same permissions).
  if (options.dashboard !== false)
    mountDashboard(app, { ...options.dashboard, tasker: options.tasker, auth, logger });

  return {
    app,
    metrics,
    dispose: () => {
      unsubscribe();
      void remote.close();
    },
  };
}

/**
 * The worker protocol's server side, started on first use (it listens for the queues' NOTIFY).
 * Remote workers claim from the queue tables, so a server on the RabbitMQ transport refuses them.
 */
function remoteWorkersOf(tasker: ApiTasker, logger: Logger) {
  let started: Promise<RemoteWorkers> | undefined;
  return {
    get: (): Promise<RemoteWorkers> => {
      if (tasker.transport.kind !== "postgres") {
        throw new TaskerError(
          "SERVICE_UNAVAILABLE",
          "remote workers need the queue-table transport; this server runs on RabbitMQ (messaging = postgres to use them)",
        );
      }
      started ??= (async () => {
        const remote = new RemoteWorkers(tasker.database, {
          maxResultBytes: CONTEXT_LIMITS.maxBytes,
          logger: logger.child({ component: "worker-protocol" }),
          metrics: tasker.metrics,
          stepTypeOf: stepTypesFrom(tasker.templates),
        });
        await remote.start();
        return remote;
      })();
      return started;
    },
    close: async () => (await started?.catch(() => undefined))?.close(),
  };
}

/** {@link buildApiApp}, returning just the Hono app. */
export function createApiApp(options: ApiAppOptions): ApiApp {
  return buildApiApp(options).app;
}
