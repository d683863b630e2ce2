import { Hono } from "hono";
import type { AuthConfig } from "../api/auth.js";
import { limitBody } from "../api/body-limit.js";
import { errorReply, sendError } from "../api/errors.js";
import { defaultLogger, type Logger } from "../observability/logger.js";
import { type Asset, assetUrls, loadAssets } from "./assets.js";
import type { DashboardTasker } from "./dashboard-tasker.js";
import { DEFAULT_STALE_AFTER_SECONDS } from "./data/queue-overview.js";
import { registerAssetRoutes } from "./routes/asset-routes.js";
import { registerAuthRoutes } from "./routes/auth-routes.js";
import type { DashboardApp, DashboardDeps, DashboardEnv } from "./routes/dashboard-env.js";
import { registerJsonRoutes } from "./routes/json-routes.js";
import { registerQueueRoutes } from "./routes/queue-routes.js";
import { describeError, isHtmx, sameOriginPosts, sendErrorPage } from "./routes/respond.js";
import { registerTaskRoutes } from "./routes/task-routes.js";
import { registerTemplateRoutes } from "./routes/template-routes.js";
import { createDashboardAuth, principalOf } from "./session.js";
import { noticesOutOfBand } from "./views/layout.js";

/**
 * Options of the web dashboard ({@link mountDashboard}): the engine, the API auth, where and how it refreshes.
 */
export interface DashboardOptions {
  tasker: DashboardTasker;
  /** The same auth configuration as the API's; omitted means off (embedded dev mode only). */
  auth?: AuthConfig;
  /** Where the dashboard is mounted. Default `/ui`. */
  basePath?: string;
  /** How often live views (a running task, the queues) refresh, in ms. Default 1000. */
  refreshMs?: number;
  /** Running workers silent for longer are shown as stale. Default 90 s. */
  staleWorkerSeconds?: number;
  logger?: Logger;
}

// Scripts only from the dashboard itself (htmx runs with eval off); inline styles are used for
// progress bars only. No framing: the action buttons must not be clickjacked.
const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'self'",
].join("; ");

/** The largest form: a manual step result may be as large as a task context (1 MiB), plus the other fields. */
export const MAX_FORM_BYTES = 1024 * 1024 + 16 * 1024;

const ERROR_TITLES: Record<number, string> = {
  400: "Bad request",
  404: "Not found",
  409: "Conflict",
  413: "Too large",
  503: "Busy",
};

/** Normalises `/ui/` or `ui` to `/ui`; rejects what cannot be a path prefix. */
export function normaliseBasePath(path: string): string {
  const trimmed = `/${path.trim().replace(/^\/+|\/+$/g, "")}`;
  if (trimmed === "/" || !/^\/[A-Za-z0-9._~\-/]+$/.test(trimmed)) {
    throw new Error(
      `dashboard basePath "${path}" must be a URL path below the root like "/ui" (letters, digits, - . _ ~ and /)`,
    );
  }
  return trimmed;
}

/**
 * The dashboard as a Hono app, to be mounted at `basePath` (see `mountDashboard`): the task
 * list, task pages with their live DAG and operator actions, templates, queues and workers.
 * Pages are rendered on the server; htmx (shipped in ui-assets/) refreshes parts of them.
 */
export function createDashboardApp(
  options: DashboardOptions,
  assets: ReadonlyMap<string, Asset> = loadAssets(),
): { app: DashboardApp; basePath: string } {
  const base = normaliseBasePath(options.basePath ?? "/ui");
  const logger = (options.logger ?? defaultLogger()).child({ component: "dashboard" });
  const auth = createDashboardAuth(options.auth);
  const refreshMs = Math.max(250, options.refreshMs ?? 1000);
  const asset = assetUrls(assets, base);
  const deps: DashboardDeps = {
    tasker: options.tasker,
    auth,
    logger,
    staleWorkerSeconds: options.staleWorkerSeconds ?? DEFAULT_STALE_AFTER_SECONDS,
  };

  const app: DashboardApp = new Hono<DashboardEnv>();
  app.use("*", async (c, next) => {
    c.set("ui", { base, principal: principalOf(c, auth), authEnabled: auth.enabled, asset, refreshMs });
    await next();
    c.header("Content-Security-Policy", CONTENT_SECURITY_POLICY);
    c.header("X-Frame-Options", "DENY");
    c.header("Referrer-Policy", "same-origin");
    c.header("X-Content-Type-Options", "nosniff");
  });
  // Every form is bounded before a route reads it; a larger one is refused as any other error below.
  app.use("*", limitBody(MAX_FORM_BYTES, "forms hold at most a 1 MiB step result; shorten it"));
  app.use("*", sameOriginPosts);
  app.onError((err, c) => {
    const { status, message } = describeError(err);
    if (status >= 500)
      logger.error({ err, method: c.req.method, path: c.req.path }, "dashboard request failed");
    if (c.req.path.startsWith(`${base}/api/`)) return sendError(c, errorReply(err));
    if (isHtmx(c)) {
      // Keep the page as it is and say what went wrong.
      c.header("HX-Reswap", "none");
      return c.html(noticesOutOfBand([{ kind: "error", text: message }]), status as 400);
    }
    return sendErrorPage(c, status, ERROR_TITLES[status] ?? "Something went wrong", message);
  });

  app.get("/", (c) => c.redirect(`${base}/tasks`, 302));
  registerAssetRoutes(app, assets);
  registerAuthRoutes(app, deps);
  registerTaskRoutes(app, deps);
  registerTemplateRoutes(app, deps);
  registerQueueRoutes(app, deps);
  registerJsonRoutes(app, deps);
  app.all("*", (c) =>
    sendErrorPage(
      c,
      404,
      "Not found",
      `The dashboard has no page at ${c.req.path}. The tasks, templates and queues are linked at the top.`,
    ),
  );
  return { app, basePath: base };
}
